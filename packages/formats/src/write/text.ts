import { Chunker, type ExportListing, isoDate, yesNo } from "./common";

function block(label: string, value: string): string {
  if (value === "") return "";
  const lines = value.split(/\r\n|\r|\n/);
  const pad = " ".repeat(14);
  return `  ${label.padEnd(12)}${lines[0]}\n${lines
    .slice(1)
    .map((l) => `${pad}${l}\n`)
    .join("")}`;
}

/** Streams a plain-text listing sheet people can read or print, one block per listing. */
export async function* writeText(
  listings: AsyncIterable<ExportListing>,
  options: { now?: Date; title?: string } = {},
): AsyncGenerator<Buffer> {
  const chunker = new Chunker();
  const now = options.now ?? new Date();
  chunker.push(
    `${options.title ?? "Marketplace listings"}\nExported ${now.toISOString().replace("T", " ").slice(0, 19)} UTC\n${"=".repeat(60)}\n\n`,
  );
  let n = 0;
  for await (const l of listings) {
    n++;
    const price = l.price ? `${l.price}${l.currency ? ` ${l.currency}` : ""}` : "";
    const text = [
      `#${n}  ${l.title || "(untitled)"}\n`,
      block("Price:", price),
      block("Condition:", l.condition ?? ""),
      block("Category:", l.category ?? ""),
      block("SKU:", l.sku ?? ""),
      block("Quantity:", l.quantity === undefined ? "" : String(l.quantity)),
      block("Shipping:", yesNo(l.offerShipping)),
      block("Status:", l.status ?? ""),
      block("Images:", (l.imageUrls ?? []).join("\n")),
      block("Id:", l.id ?? ""),
      block("Updated:", isoDate(l.updatedAt)),
      l.description
        ? `  Description:\n${l.description
            .split(/\r\n|\r|\n/)
            .map((x) => `    ${x}\n`)
            .join("")}`
        : "",
      `${"-".repeat(60)}\n`,
    ].join("");
    const out = chunker.push(text);
    if (out) yield out;
  }
  chunker.push(`${n} listing${n === 1 ? "" : "s"}\n`);
  const last = chunker.flush();
  if (last) yield last;
}
