import fc from "fast-check";

/** The subset of JSON Schema the OpenAPI document uses for request bodies. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** Keys that pollute prototypes when a body is merged into an object carelessly. */
export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"];

/** `{"__proto__": {...}}` and friends, as an object parsed from JSON (so the key is an own key). */
export const prototypeObject: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 }))
  .map(([k, v]) =>
    JSON.parse(
      `{${JSON.stringify(k)}:{"polluted":true,"isAdmin":true,"role":"admin","prototype":{"polluted":true}},"x":${JSON.stringify(v)}}`,
    ),
  );

/**
 * Arrays or objects nested far deeper than any real body. They print as a short description, so
 * fast-check can report a failing case without recursing through every level.
 */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 50, max: 1500 }), fc.boolean())
  .map(([depth, arrays]) => {
    const value = JSON.parse(
      arrays
        ? `${"[".repeat(depth)}${"]".repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
    ) as object;
    Object.defineProperty(value, fc.toStringMethod, {
      value: () => `<${arrays ? "arrays" : "objects"} nested ${depth} deep>`,
    });
    return value;
  });

/** Strings far past every documented maxLength (some past the body limit). */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(10_000, 100_000, 600_000, 1_200_000),
    fc.constantFrom("a", "é", "😀", "\u0000", "'", "<script>"),
  )
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

/** Values a body should never contain: wrong types, huge strings, deep nesting, prototype keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      null,
      true,
      0,
      -1,
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER,
      0.1,
      "",
      " ",
      "null",
      "NaN",
      "1e999",
      "00000000-0000-0000-0000-000000000000",
      "../../etc/passwd",
      "'; DROP TABLE listings; --",
      "%00",
      "\u0000",
      "\ud800",
      [],
      {},
    ),
    weight: 4,
  },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: prototypeObject, weight: 2 },
);

const typesOf = (s: JsonSchema): string[] =>
  s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];

function stringFor(s: JsonSchema, ids: readonly string[]): fc.Arbitrary<string> {
  if (s.format === "uuid")
    return ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.uuid()) : fc.uuid();
  if (s.format === "email")
    return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254));
  if (s.format === "uri") return fc.webUrl().filter((u) => u.length <= (s.maxLength ?? 2048));
  if (s.pattern === "^[A-Z]{3}$") return fc.constantFrom("USD", "EUR", "GBP", "XXX");
  if (s.pattern?.startsWith("^-?\\d"))
    return fc
      .tuple(fc.integer({ min: -99_999, max: 9_999_999 }), fc.integer({ min: 0, max: 99 }))
      .map(([i, f]) => `${i}.${String(f).padStart(2, "0")}`);
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 40, 60));
  return fc.string({ unit: "grapheme", minLength: min, maxLength: max });
}

/**
 * A fast-check arbitrary producing values that mostly satisfy `schema` (so requests get past
 * validation into the verbs), with known resource ids standing in for uuids.
 */
export function fromSchema(
  schema: JsonSchema,
  ids: readonly string[],
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => fromSchema(a, ids, depth + 1)));
  const types = typesOf(schema);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    ...types.map((t): fc.Arbitrary<unknown> => {
      switch (t) {
        case "null":
          return fc.constant(null);
        case "boolean":
          return fc.boolean();
        case "integer":
          return fc.integer({
            min: Math.max(schema.minimum ?? (schema.exclusiveMinimum ?? -1001) + 1, -1_000_000),
            max: Math.min(schema.maximum ?? 1_000_000, 1_000_000),
          });
        case "number":
          return fc.double({
            min: Math.max(schema.minimum ?? -1_000_000, -1_000_000),
            max: Math.min(schema.maximum ?? 1_000_000, 1_000_000),
            noNaN: true,
          });
        case "string":
          return stringFor(schema, ids);
        case "array": {
          const minLength = schema.minItems ?? 0;
          const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 5, 5));
          return fc.array(
            schema.items ? fromSchema(schema.items, ids, depth + 1) : fc.jsonValue(),
            {
              minLength,
              maxLength,
            },
          );
        }
        case "object": {
          const props = schema.properties ?? {};
          const required = schema.required ?? [];
          const record = fc.record(
            Object.fromEntries(
              Object.entries(props).map(([k, v]) => [k, fromSchema(v, ids, depth + 1)]),
            ),
            { requiredKeys: required.filter((k) => k in props) },
          );
          if (schema.additionalProperties === false || depth > 4) return record;
          const extra =
            typeof schema.additionalProperties === "object"
              ? fromSchema(schema.additionalProperties, ids, depth + 1)
              : fc.jsonValue({ maxDepth: 2 });
          return fc
            .tuple(record, fc.dictionary(fc.string({ maxLength: 12 }), extra, { maxKeys: 3 }))
            .map(([r, more]) => ({ ...more, ...(r as object) }));
        }
        default:
          return fc.jsonValue({ maxDepth: 2 });
      }
    }),
  );
}

/** Replaces one value somewhere in `body` (or adds a key) with a hostile one. */
export function corrupt(body: unknown, path: number[], value: unknown): unknown {
  if (body === null || typeof body !== "object") return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(body)
    ? [...body]
    : { ...(body as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const [pick, ...rest] = path;
  if (pick === undefined || keys.length === 0) {
    (copy as Record<string, unknown>)[`k${path.length}`] = value;
    return copy;
  }
  const key = keys[pick % keys.length] as string;
  const inner = (copy as Record<string, unknown>)[key];
  (copy as Record<string, unknown>)[key] =
    rest.length > 0 && inner !== null && typeof inner === "object"
      ? corrupt(inner, rest, value)
      : value;
  return copy;
}

/** A request body: schema-shaped, schema-shaped with one hostile value, or anything at all. */
export function bodyFor(
  schema: JsonSchema,
  ids: readonly string[],
): fc.Arbitrary<{ json: unknown } | { raw: string }> {
  const shaped = fromSchema(schema, ids);
  return fc.oneof(
    { arbitrary: shaped.map((json) => ({ json })), weight: 4 },
    {
      arbitrary: fc
        .tuple(shaped, fc.array(fc.nat(20), { minLength: 1, maxLength: 3 }), hostileValue)
        .map(([b, path, v]) => ({ json: corrupt(b, path, v) })),
      weight: 4,
    },
    { arbitrary: fc.jsonValue().map((json) => ({ json })), weight: 2 },
    { arbitrary: hostileValue.map((json) => ({ json })), weight: 1 },
    {
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom("{", '{"a":', "[1,2", "nul", '{"a":1}}', "\u0000", "{'a':1}", "NaN"),
        )
        .map((raw) => ({ raw })),
      weight: 1,
    },
  );
}
