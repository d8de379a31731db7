import { Readable } from "node:stream";
import { xlsxCellText } from "./formula-guard";
import { xlsxSheetName } from "./sheet-name";
import type { XlsxCell } from "./xlsx";
import { writeZip, type ZipEntry } from "./zip";

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships";
const FLUSH_AT = 64 * 1024;

/**
 * The same escaping exceljs applies: XML specials as entities, control characters XML cannot
 * hold dropped. Cell text reaches it with those characters already written as `_xHHHH_` by
 * {@link xlsxCellText}, and the sheet name without them ({@link xlsxSheetName}).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
const SPECIAL = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
const SPECIALS = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/g;
const ENTITIES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  "'": "&apos;",
  '"': "&quot;",
};
function xmlText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ENTITIES[c] ?? "") : s;
}

const columnNames: string[] = [];
function column(i: number): string {
  let name = columnNames[i];
  if (name === undefined) {
    name = "";
    for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26))
      name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    columnNames[i] = name;
  }
  return name;
}

const STYLES = `${XML}<styleSheet xmlns="${MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

function packageParts(sheetName: string, now: Date): ZipEntry[] {
  const name = xmlText(sheetName);
  const stamp = `${now.toISOString().slice(0, 19)}Z`;
  const text = (s: string) => Buffer.from(s, "utf8");
  return [
    {
      name: "[Content_Types].xml",
      data: text(
        `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>`,
      ),
    },
    {
      name: "_rels/.rels",
      data: text(
        `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="${PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="${REL}/extended-properties" Target="docProps/app.xml"/></Relationships>`,
      ),
    },
    {
      name: "docProps/app.xml",
      data: text(
        `${XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Excel</Application><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>${name}</vt:lpstr></vt:vector></TitlesOfParts></Properties>`,
      ),
    },
    {
      name: "docProps/core.xml",
      data: text(
        `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dcterms:created xsi:type="dcterms:W3CDTF">${stamp}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${stamp}</dcterms:modified></cp:coreProperties>`,
      ),
    },
    {
      name: "xl/workbook.xml",
      data: text(
        `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="${name}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    },
    {
      name: "xl/_rels/workbook.xml.rels",
      data: text(
        `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
      ),
    },
    { name: "xl/styles.xml", data: text(STYLES) },
  ];
}

async function* sheetXml(
  rows: AsyncIterable<readonly XlsxCell[]>,
  guard: boolean,
): AsyncGenerator<Buffer> {
  let xml = `${XML}<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>`;
  let r = 0;
  for await (const cells of rows) {
    r++;
    xml += `<row r="${r}">`;
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i];
      if (v === null || v === undefined) continue;
      if (typeof v === "number" && Number.isFinite(v)) {
        xml += `<c r="${column(i)}${r}"><v>${v}</v></c>`;
      } else {
        xml += `<c r="${column(i)}${r}" t="str"><v>${xmlText(xlsxCellText(String(v), guard))}</v></c>`;
      }
    }
    xml += "</row>";
    if (xml.length >= FLUSH_AT) {
      yield Buffer.from(xml, "utf8");
      xml = "";
    }
  }
  yield Buffer.from(`${xml}</sheetData></worksheet>`, "utf8");
}

/** Options of {@link writeXlsxTable}. */
export interface XlsxTableOptions {
  /** Written as {@link xlsxSheetName} makes it valid (default `Sheet1`). */
  sheetName?: string;
  /** Neutralise formula injection in text cells (default true). */
  guard?: boolean;
  now?: Date;
}

/**
 * One plain sheet of rows as XLSX, written straight as SpreadsheetML into a streamed zip: the
 * cells exceljs' streaming writer produces (text as `t="str"`, numbers as numbers, the same
 * escaping, cell text escaped as ST_Xstring first), without its per-cell objects, and with the
 * workbook parts before the sheet so a streaming reader needs no temporary file. Rows are pulled only as fast as the output is read.
 * Styled sheets, hidden sheets and validations (the Facebook template) use {@link writeXlsx}.
 */
export function writeXlsxTable(
  rows: AsyncIterable<readonly XlsxCell[]>,
  options: XlsxTableOptions = {},
): Readable {
  const entries = [
    ...packageParts(xlsxSheetName(options.sheetName ?? "Sheet1"), options.now ?? new Date()),
    { name: "xl/worksheets/sheet1.xml", data: sheetXml(rows, options.guard !== false) },
  ];
  // Level 1: ~1.5x faster than zlib's default here, and the file is no larger than exceljs' was.
  return Readable.from(writeZip(entries, { level: 1 }), { highWaterMark: 4 });
}
