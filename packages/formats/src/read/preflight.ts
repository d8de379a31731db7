import { FormatError, type FormatErrorCode, type ReadLimits, resolveLimits } from "../errors";
import { parseCsvBatches } from "./csv";
import { decodeText } from "./decode";
import { assertTextLike, sniffKind } from "./sniff";
import { type ByteInput, ByteSource } from "./source";
import { inspectZip } from "./zip-inspect";

/** How much of a text file the upload check reads, at most, to count its first row's columns. */
export const PREFLIGHT_TEXT_BYTES = 1024 * 1024;

/** Chunks as a file on disk is read (the size the readers see), so the delimiter guess matches. */
const CHUNK = 64 * 1024;

/** The refusals {@link preflightTable} makes: the zip's declared bounds, the first row's width. */
const PREFLIGHT_CODES: ReadonlySet<FormatErrorCode> = new Set([
  "ZIP_TOO_MANY_ENTRIES",
  "ZIP_TOO_LARGE",
  "ZIP_RATIO_TOO_HIGH",
  "TOO_MANY_COLUMNS",
]);

/**
 * The refusals of a whole read that a few bounded reads already decide, for an upload to be
 * refused at once instead of after its dry run: an xlsx whose central directory declares more
 * entries or inflated bytes than the limits allow (nothing is inflated), a CSV whose first row
 * (within its first MiB) has more columns than allowed. Throws the {@link FormatError} a full read
 * would throw, with the same code; anything else (including other problems) is left to that read.
 */
export async function preflightTable(
  input: ByteInput & { limits?: Partial<ReadLimits> },
): Promise<void> {
  const limits = resolveLimits(input.limits);
  try {
    const source = await ByteSource.open(input, limits.maxFileBytes);
    const kind = sniffKind(source.head);
    if (kind === "xlsx") {
      const ra = await source.randomAccess();
      try {
        await inspectZip(ra, limits);
      } finally {
        await ra.close();
      }
    } else if (kind === "csv") {
      assertTextLike(source.head);
      await firstRowWidth(source, limits);
    }
  } catch (err) {
    if (err instanceof FormatError && PREFLIGHT_CODES.has(err.code)) throw err;
  }
}

/** Parses the first row (and the rest of the chunk it ends in) the way the CSV reader does. */
async function firstRowWidth(source: ByteSource, limits: ReadLimits): Promise<void> {
  const parts: Uint8Array[] = [];
  let got = 0;
  for await (const chunk of source.chunks()) {
    parts.push(chunk);
    got += chunk.byteLength;
    if (got >= PREFLIGHT_TEXT_BYTES) break;
  }
  const start = Buffer.concat(parts).subarray(0, PREFLIGHT_TEXT_BYTES);
  async function* pieces() {
    for (let i = 0; i < start.byteLength; i += CHUNK) yield start.subarray(i, i + CHUNK);
  }
  const batches = parseCsvBatches(decodeText(source.head, pieces(), []), { limits });
  try {
    // The parser refuses a row the moment it passes the column limit; the first batch holds the
    // first row whole, so reading on would only look at rows the dry run reads anyway.
    await batches.next();
  } finally {
    await batches.return(undefined);
  }
}
