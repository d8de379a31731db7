import { listings } from "@mbe/db";
import { GENERIC_COLUMNS } from "@mbe/formats";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect({ casing: "snake_case" });

/**
 * Renders a drizzle query with its parameters written in as literals, for COPY (which takes no
 * bind parameters). Strings become dollar-quoted literals whose tag neither occurs in them nor is completed by their
 * last characters, so no value can end its literal early whatever its quotes or backslashes; anything but strings,
 * finite numbers, booleans and null is refused.
 */
export function inlineQuery(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("Non-finite number in a COPY query");
    return String(v);
  }
  if (typeof v === "string") {
    if (v.includes("\u0000")) throw new Error("NUL in a COPY query parameter");
    // The closing tag must not occur in the value nor complete a `$tag` the value ends with.
    let tag = "q";
    while (`${v}$`.includes(`$${tag}$`)) tag += "q";
    return `$${tag}$${v}$${tag}$`;
  }
  throw new Error(`Cannot inline a ${typeof v} parameter into a COPY query`);
}

/**
 * The generic export columns computed by PostgreSQL, cell for cell what `genericRow` makes of a
 * listing (empty cells as NULL so CSV leaves them unquoted). Formula guarding is left to the
 * reader of the COPY: in SQL it cost about as much as formatting the cells.
 */
function genericColumns(): SQL[] {
  const t = (e: SQL) => sql`nullif(${e}, '')`;
  const l = listings;
  return [
    sql`${l.id}::text`,
    t(sql`${l.title}`),
    t(sql`${l.price}::text`),
    t(sql`${l.currency}`),
    sql`nullif(${l.condition}, '')`,
    t(sql`${l.description}`),
    sql`nullif(${l.category}, '')`,
    sql`case when ${l.offerShipping} then 'Yes' else 'No' end`,
    sql`nullif(${l.sku}, '')`,
    sql`${l.quantity}::text`,
    sql`case when cardinality(${l.imageUrls}) = 0 then null when exists (select 1 from unnest(${l.imageUrls}) u where strpos(u, '|') > 0 or strpos(u, chr(10)) > 0 or left(u, 1) = '[') then array_to_json(${l.imageUrls})::text else nullif(array_to_string(${l.imageUrls}, '|'), '') end`,
    sql`${l.status}::text`,
    sql`case when ${l.marketplaceFields} = '{}'::jsonb then null else ${l.marketplaceFields}::text end`,
    sql`to_char(${l.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    sql`to_char(${l.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  ];
}

function genericSelect(where: SQL, headers: boolean): SQL {
  const cols = genericColumns().map((c, i) =>
    headers ? sql`${c} as ${sql.identifier(GENERIC_COLUMNS[i] ?? `c${i}`)}` : c,
  );
  return sql`select ${sql.join(cols, sql`, `)} from ${listings} where ${where} order by ${listings.id}`;
}

/** `COPY` of the selected listings as a generic CSV with a header row, cells not yet guarded. */
export const genericCsvCopy = (where: SQL) =>
  `copy (${inlineQuery(genericSelect(where, true))}) to stdout with (format csv, header true)`;

/** `COPY` of the selected listings' generic cells in text format, unguarded (writers guard). */
export const genericTextCopy = (where: SQL) =>
  `copy (${inlineQuery(genericSelect(where, false))}) to stdout`;

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  v: "\v",
};

function unescapeCopy(field: string): string {
  if (field === "\\N") return "";
  if (!field.includes("\\")) return field;
  return field.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m);
}

/** Rows of a text-format COPY stream as arrays of cells (NULL as ""). */
export async function* copyTextRows(
  stream: AsyncIterable<Buffer>,
  onRow?: () => void,
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      onRow?.();
      yield text.slice(start, nl).split("\t").map(unescapeCopy);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest) yield rest.split("\t").map(unescapeCopy);
}
