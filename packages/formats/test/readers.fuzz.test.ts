import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportProof } from "../../../apps/api/test/proof/tally";
import {
  type ExportFormat,
  type ExportListing,
  exportListings,
  FORMAT_ERROR_CODES,
  importListings,
  isFormatError,
  readTable,
} from "../src/index";
import { genericListing } from "./arbitraries";
import { buildZip, bytesOf, entry, xlsxParts } from "./helpers";

/**
 * Readers get arbitrary bytes, arbitrary text and damaged real files. Whatever they get, they must
 * finish (every row read) or refuse with a FormatError carrying a documented code — never throw
 * anything else and never take longer than {@link CASE_LIMIT_MS}.
 */

const CASE_LIMIT_MS = 5_000;
const LIMITS = { maxRows: 2_000, maxColumns: 200, maxCellChars: 4_096 };

let cases = 0;
let slowest = 0;
const started = performance.now();
afterAll(() => {
  console.log(`[proof] slowest reader case: ${slowest.toFixed(1)} ms (limit ${CASE_LIMIT_MS} ms)`);
  reportProof("formats-readers", cases, performance.now() - started);
});

/** What a read ended with: rows read, or the code of the documented refusal. */
type Outcome = { rows: number } | { code: string };

async function readAll(bytes: Uint8Array, how: "table" | "listings"): Promise<Outcome> {
  try {
    if (how === "table") {
      const t = await readTable({ bytes, limits: LIMITS });
      let rows = 0;
      for await (const _ of t.rows) rows++;
      return { rows };
    }
    const s = await importListings({ bytes, limits: LIMITS });
    let rows = 0;
    for await (const _ of s.listings) rows++;
    return { rows };
  } catch (err) {
    if (isFormatError(err)) return { code: err.code };
    throw new Error(
      `threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message ?? String(err)}`,
    );
  }
}

/** Reads within the time bound; a hang fails the case instead of the whole run. */
async function boundedRead(bytes: Uint8Array, how: "table" | "listings"): Promise<Outcome> {
  cases++;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`read took longer than ${CASE_LIMIT_MS} ms`)),
      CASE_LIMIT_MS,
    );
  });
  try {
    const out = await Promise.race([readAll(bytes, how), timeout]);
    if ("code" in out) expect(FORMAT_ERROR_CODES).toContain(out.code);
    return out;
  } finally {
    clearTimeout(timer);
    slowest = Math.max(slowest, performance.now() - t0);
  }
}

/** Damage done to a real file: flipped, inserted, deleted or overwritten bytes, or a cut. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({
    kind: fc.constant("overwrite" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function applyDamage(input: Uint8Array, damages: Damage[]): Uint8Array {
  let b = Buffer.from(input);
  for (const d of damages) {
    if (b.length === 0) break;
    const at = d.at % b.length;
    if (d.kind === "flip") {
      b[at] = (b[at] as number) ^ (1 << d.bit);
    } else if (d.kind === "insert") {
      b = Buffer.concat([b.subarray(0, at), d.bytes, b.subarray(at)]);
    } else if (d.kind === "delete") {
      b = Buffer.concat([b.subarray(0, at), b.subarray(at + d.n)]);
    } else if (d.kind === "overwrite") {
      b = Buffer.from(b);
      b.set(d.bytes.subarray(0, b.length - at), at);
    } else {
      b = b.subarray(0, at);
    }
  }
  return b;
}

/** Small real exports to damage, per format. */
const samples = new Map<ExportFormat, Uint8Array[]>();

beforeAll(async () => {
  const listings = fc.sample(fc.array(genericListing("xlsx"), { minLength: 1, maxLength: 6 }), {
    numRuns: 4,
    seed: 42,
  });
  for (const format of ["csv", "json", "xlsx"] as ExportFormat[]) {
    const files: Uint8Array[] = [];
    for (const ls of listings)
      files.push(
        await bytesOf(await exportListings(ls as ExportListing[], { layout: "generic", format })),
      );
    samples.set(format, files);
  }
}, 60_000);

describe("readers on arbitrary input", () => {
  it("arbitrary bytes: rows or a FormatError, in bounded time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2_048 }),
        fc.boolean(),
        async (bytes, listing) => {
          await boundedRead(bytes, listing ? "listings" : "table");
        },
      ),
      { numRuns: 1_500 },
    );
  });

  it("arbitrary text with CSV and JSON punctuation: rows or a FormatError", async () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 8 }),
      fc.constantFrom(
        '"',
        '""',
        ",",
        ";",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "{",
        "}",
        "[",
        "]",
        ":",
        "\\",
        "\ufeff",
        "'=",
        "Title",
        "Price",
        "Handle",
        "Info",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 120 }),
        fc.constantFrom("utf-8", "utf-16le", "latin1") as fc.Arbitrary<BufferEncoding>,
        fc.boolean(),
        async (parts, encoding, listing) => {
          const text = parts.join("");
          const bom = encoding === "utf-16le" ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0);
          await boundedRead(
            Buffer.concat([bom, Buffer.from(text, encoding)]),
            listing ? "listings" : "table",
          );
        },
      ),
      { numRuns: 1_500 },
    );
  });

  it("arbitrary JSON documents: rows or a FormatError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 10 }),
        ),
        fc.boolean(),
        async (value, listing) => {
          await boundedRead(
            Buffer.from(JSON.stringify(value) ?? "null"),
            listing ? "listings" : "table",
          );
        },
      ),
      { numRuns: 800 },
    );
  });

  for (const [format, runs] of [
    ["csv", 600],
    ["json", 600],
    ["xlsx", 400],
  ] as Array<[ExportFormat, number]>) {
    it(`damaged ${format} exports: rows or a FormatError`, async () => {
      const files = samples.get(format) ?? [];
      expect(files.length).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(
          fc.nat(files.length - 1),
          fc.array(damage, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          async (i, damages, listing) => {
            await boundedRead(
              applyDamage(files[i] as Uint8Array, damages),
              listing ? "listings" : "table",
            );
          },
        ),
        { numRuns: runs },
      );
    }, 120_000);
  }

  it("workbooks whose zip is sound but whose sheet XML is damaged: rows or a FormatError", async () => {
    const sheet =
      '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Title</t></is></c><c r="B1" t="inlineStr"><is><t>Price</t></is></c></row>' +
      '<row r="2"><c r="A2" t="inlineStr"><is><t>Lamp &amp; shade</t></is></c><c r="B2"><v>12.5</v></c></row>' +
      "</sheetData></worksheet>";
    const textDamage = fc.array(
      fc.record({
        at: fc.nat(),
        cut: fc.nat(12),
        put: fc.oneof(
          fc.string({ maxLength: 6 }),
          fc.constantFrom(
            "<",
            ">",
            "&",
            "&#0;",
            "&#xFFFF;",
            "]]>",
            '"',
            "<row>",
            "</c>",
            'r="ZZZ99999999"',
            "<v>1e999</v>",
            'r="A1048577"',
          ),
        ),
      }),
      { minLength: 1, maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(textDamage, fc.boolean(), async (edits, listing) => {
        let xml = sheet;
        for (const e of edits) {
          const at = e.at % xml.length;
          xml = xml.slice(0, at) + e.put + xml.slice(at + e.cut);
        }
        const zip = buildZip(xlsxParts(xml).map(([name, text]) => entry(name, text)));
        await boundedRead(zip, listing ? "listings" : "table");
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  it("undamaged samples still read in full (the damage is what fails)", async () => {
    for (const files of samples.values())
      for (const f of files) expect(await boundedRead(f, "listings")).toHaveProperty("rows");
  });
});
