import { FormatError, type ReadLimits } from "../errors";

/** One JSON record flattened to text cells, numbered from 1 in file order. */
export interface JsonRecord {
  row: number;
  record: Record<string, string>;
}

const ARRAY_KEYS = new Set(["listings", "items", "products", "data", "rows"]);

/** Text of one JSON value as a table cell (nested values stay JSON). */
export function jsonCellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** The top-level key of `record` whose name or value (at any depth) holds a NUL character. */
function nulField(record: unknown): string | undefined {
  const holds = (v: unknown, depth: number): boolean => {
    if (typeof v === "string") return v.includes("\u0000");
    if (!v || typeof v !== "object" || depth > 64) return false;
    for (const [k, inner] of Object.entries(v)) {
      if (k.includes("\u0000") || holds(inner, depth + 1)) return true;
    }
    return false;
  };
  if (!record || typeof record !== "object") return undefined;
  for (const [k, v] of Object.entries(record)) {
    if (k.includes("\u0000") || holds(v, 1)) return k;
  }
  return undefined;
}

/**
 * Streams the objects of a top-level array, or of the array under `listings`/`items` (also
 * `products`, `data`, `rows`) in a top-level object, holding one record at a time
 * (RECORD_TOO_LARGE past `maxRecordBytes`).
 */
export async function* readJsonRecords(
  chunks: AsyncIterable<string>,
  limits: ReadLimits,
): AsyncGenerator<JsonRecord> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let arrayDepth = -1; // depth inside the records array, once found
  let topIsObject = false;
  let keyBuf = "";
  let lastKey = "";
  let afterColon = false;
  let capturing = false;
  let parts: string[] = [];
  let partLen = 0;
  let captureStart = 0;
  let rowNo = 0;
  let started = false;
  let sawArray = false;
  const out: JsonRecord[] = [];

  const finishRecord = (text: string) => {
    if (text.length > limits.maxRecordBytes) {
      throw new FormatError(
        "RECORD_TOO_LARGE",
        `Record ${rowNo + 1} is larger than ${limits.maxRecordBytes} bytes`,
        { row: rowNo + 1 },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new FormatError(
        "JSON_INVALID",
        `Record ${rowNo + 1} is not valid JSON: ${(err as Error).message}`,
        {
          row: rowNo + 1,
        },
      );
    }
    rowNo++;
    // PostgreSQL text and jsonb cannot hold U+0000, and the CSV reader refuses a NUL as
    // BINARY_CONTENT; a `\u0000` escape is refused the same way so both formats agree.
    if (text.includes("\\u0000")) {
      const field = nulField(value);
      if (field !== undefined) {
        throw new FormatError(
          "BINARY_CONTENT",
          `Record ${rowNo}, field ${JSON.stringify(field.replaceAll("\u0000", ""))} contains a NUL character (\\u0000), which a listing cannot hold`,
          { row: rowNo },
        );
      }
    }
    if (rowNo > limits.maxRows) {
      throw new FormatError("TOO_MANY_ROWS", `The file has more than ${limits.maxRows} records`);
    }
    const record: Record<string, string> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (++n > limits.maxColumns) {
        throw new FormatError(
          "TOO_MANY_COLUMNS",
          `Record ${rowNo} has more than ${limits.maxColumns} fields`,
          {
            row: rowNo,
          },
        );
      }
      const t = jsonCellText(v);
      if (t.length > limits.maxCellChars) {
        throw new FormatError("CELL_TOO_LONG", `Record ${rowNo}, field ${k} is too long`, {
          row: rowNo,
        });
      }
      record[k] = t;
    }
    out.push({ row: rowNo, record });
  };

  for await (const chunk of chunks) {
    captureStart = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) {
          inString = false;
        } else if (!capturing && depth === 1 && topIsObject && keyBuf.length < 64) {
          keyBuf += chunk[i];
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (!started) {
        started = true;
        if (c === 0xfeff) {
          started = false;
          continue;
        }
        if (c === 91) {
          depth = 1;
          arrayDepth = 1;
          sawArray = true;
          continue;
        }
        if (c === 123) {
          depth = 1;
          topIsObject = true;
          continue;
        }
        throw new FormatError(
          "JSON_UNSUPPORTED_SHAPE",
          'JSON must be an array of objects or { "listings": [...] }',
        );
      }
      if (c === 34) {
        inString = true;
        if (!capturing && depth === 1 && topIsObject) keyBuf = "";
        continue;
      }
      if (!capturing && depth === 1 && topIsObject) {
        if (c === 58) {
          lastKey = keyBuf;
          afterColon = true;
          continue;
        }
        if (c === 44) {
          afterColon = false;
          continue;
        }
      }
      if (c === 123 || c === 91) {
        if (arrayDepth < 0 && afterColon && depth === 1 && c === 91 && ARRAY_KEYS.has(lastKey)) {
          depth = 2;
          arrayDepth = 2;
          sawArray = true;
          afterColon = false;
          continue;
        }
        if (depth === arrayDepth && !capturing) {
          if (c !== 123) {
            throw new FormatError(
              "JSON_UNSUPPORTED_SHAPE",
              `Record ${rowNo + 1} is not an object`,
              {
                row: rowNo + 1,
              },
            );
          }
          capturing = true;
          parts = [];
          partLen = 0;
          captureStart = i;
        }
        depth++;
        if (depth > 64) throw new FormatError("JSON_INVALID", "JSON is nested too deeply");
        continue;
      }
      if (c === 125 || c === 93) {
        depth--;
        if (capturing && depth === arrayDepth) {
          parts.push(chunk.slice(captureStart, i + 1));
          capturing = false;
          finishRecord(parts.join(""));
          parts = [];
          partLen = 0;
        } else if (depth === arrayDepth - 1 && arrayDepth > 0 && !capturing) {
          arrayDepth = -1;
        }
        if (depth < 0) throw new FormatError("JSON_INVALID", "Unbalanced brackets in JSON");
        continue;
      }
      if (depth === arrayDepth && !capturing && c !== 44) {
        throw new FormatError("JSON_UNSUPPORTED_SHAPE", `Record ${rowNo + 1} is not an object`, {
          row: rowNo + 1,
        });
      }
      if (afterColon && depth === 1) afterColon = false;
    }
    if (capturing) {
      const piece = chunk.slice(captureStart);
      parts.push(piece);
      partLen += piece.length;
      if (partLen > limits.maxRecordBytes) {
        throw new FormatError(
          "RECORD_TOO_LARGE",
          `Record ${rowNo + 1} is larger than ${limits.maxRecordBytes} bytes`,
          {
            row: rowNo + 1,
          },
        );
      }
    }
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  if (!started) throw new FormatError("EMPTY_FILE", "The file is empty");
  if (depth !== 0 || inString)
    throw new FormatError("JSON_INVALID", "The JSON ends early (truncated file?)");
  if (!sawArray) {
    throw new FormatError(
      "JSON_UNSUPPORTED_SHAPE",
      'JSON must be an array of objects or an object with a "listings" or "items" array',
    );
  }
}
