import { createRequire } from "node:module";

// exceljs parses sheets with saxes, which already decodes XML entities, and then runs its own
// xmlDecode over inline-string cells, formula results and sheet names a second time, so a cell
// holding the text "&amp;" would come back as "&". Making that second pass a no-op gives back
// exactly what was written (shared-string cells, as Excel writes them, never had the problem).
const require = createRequire(import.meta.url);
const utils = require("exceljs/lib/utils/utils.js") as { xmlDecode: (text: string) => string };
utils.xmlDecode = (text: string) => text;

/** Marker so importers can make sure the fix ran. */
export const EXCELJS_DOUBLE_DECODE_FIXED = true;
