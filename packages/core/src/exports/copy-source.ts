import { listings } from "@mbe/db";
import { GENERIC_COLUMNS } from "@mbe/formats";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect({ casing: "snake_case" });

/**
 * Renders a drizzle query with its parameters written in as literals, for COPY (which takes no
 * bind parameters). Strings become dollar-quoted literals whose tag does not occur in them, so no
 * value can end its literal early whatever its quotes or backslashes; anything but strings,
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
    let tag = "q";
    while (v.includes(`$${tag}$`)) tag += "q";
    return `$${tag}$${v}$${tag}$`;
  }
  throw new Error(`Cannot inline a ${typeof v} parameter into a COPY query`);
}

/** Spreadsheet formula triggers after any leading quotes: = + - @ tab CR LF (as guardFormula). */
const guard = (e: SQL) =>
  // ascii() settles almost every cell; only text that starts with a quote needs the pattern.
  sql`(case when ascii(${e}) in (61, 43, 45, 64, 9, 13, 10) or ascii(${e}) = 39 and ${e} ~ ('^''*[=+@' || chr(9) || chr(13) || chr(10) || '-]') then '''' || ${e} else ${e} end)`;

/**
 * The generic export columns computed by PostgreSQL, cell for cell what `genericRow` and
 * `guardFormula` make of a listing (empty cells as NULL so CSV leaves them unquoted).
 */
function genericColumns(guarded: boolean): SQL[] {
  const g = (e: SQL) => (guarded ? guard(e) : e);
  const t = (e: SQL) => sql`nullif(${g(e)}, '')`;
  const l = listings;
  return [
    sql`${l.id}::text`,
    t(sql`${l.title}`),
    t(sql`${l.price}::text`),
    t(sql`${l.currency}`),
    t(sql`coalesce(${l.condition}, '')`),
    t(sql`${l.description}`),
    t(sql`coalesce(${l.category}, '')`),
    sql`case when ${l.offerShipping} then 'Yes' else 'No' end`,
    t(sql`coalesce(${l.sku}, '')`),
    t(sql`${l.quantity}::text`),
    t(
      sql`case when cardinality(${l.imageUrls}) = 0 then '' when exists (select 1 from unnest(${l.imageUrls}) u where strpos(u, '|') > 0 or strpos(u, chr(10)) > 0 or left(u, 1) = '[') then array_to_json(${l.imageUrls})::text else array_to_string(${l.imageUrls}, '|') end`,
    ),
    sql`${l.status}::text`,
    t(
      sql`case when ${l.marketplaceFields} = '{}'::jsonb then '' else ${l.marketplaceFields}::text end`,
    ),
    sql`to_char(${l.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    sql`to_char(${l.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  ];
}

function genericSelect(where: SQL, guarded: boolean, headers: boolean): SQL {
  const cols = genericColumns(guarded).map((c, i) =>
    headers ? sql`${c} as ${sql.identifier(GENERIC_COLUMNS[i] ?? `c${i}`)}` : c,
  );
  return sql`select ${sql.join(cols, sql`, `)} from ${listings} where ${where} order by ${listings.id}`;
}

/** `COPY` of the selected listings as a generic CSV (header row, formula-guarded cells). */
export const genericCsvCopy = (where: SQL) =>
  `copy (${inlineQuery(genericSelect(where, true, true))}) to stdout with (format csv, header true)`;

/** `COPY` of the selected listings' generic cells in text format, unguarded (writers guard). */
export const genericTextCopy = (where: SQL) =>
  `copy (${inlineQuery(genericSelect(where, false, false))}) to stdout`;

/** Counts CSV records in a byte stream (newlines outside quotes) as it passes through. */
export function csvRecordCounter() {
  let quoted = false;
  let records = 0;
  return {
    count(chunk: Buffer) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 34) quoted = !quoted;
        else if (b === 10 && !quoted) records++;
      }
    },
    get records() {
      return records;
    },
  };
}

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
