import { Chunker, type ExportListing, isoDate } from "./common";

/** Streams listings as one JSON array, one record per line; re-importable by readTable. */
export async function* writeJson(listings: AsyncIterable<ExportListing>): AsyncGenerator<Buffer> {
  const chunker = new Chunker();
  chunker.push("[");
  let first = true;
  for await (const l of listings) {
    const rec: Record<string, unknown> = { ...l };
    if (l.createdAt !== undefined) rec.createdAt = isoDate(l.createdAt) || null;
    if (l.updatedAt !== undefined) rec.updatedAt = isoDate(l.updatedAt) || null;
    const out = chunker.push(`${first ? "\n" : ",\n"}${JSON.stringify(rec)}`);
    first = false;
    if (out) yield out;
  }
  chunker.push(first ? "]\n" : "\n]\n");
  const last = chunker.flush();
  if (last) yield last;
}
