import { deflateRawSync } from "node:zlib";
import { writeXlsx } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip, type RawZipEntry } from "../../../../packages/formats/test/helpers";
import { call, createTestApi, type Seller, signUp, type TestApi, upload } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    {
      RATE_LIMIT_PER_MINUTE: "100000",
      UPLOADS_PER_MINUTE: "1000",
      MAX_IMPORT_BYTES: String(9 * 1024 * 1024),
    },
    { workers: true },
  );
});
afterAll(() => api.close());

type Imp = {
  id: string;
  fileName: string;
  status: string;
  error: string | null;
  counts: Record<string, number>;
  problems: { code: string; message: string }[];
};
type ErrorAnswer = { error: { code: string; message: string; details?: Record<string, unknown> } };

/** A deflated zip entry whose headers declare `declaredSize` inflated bytes. */
const deflated = (name: string, data: Buffer, declaredSize = data.length): RawZipEntry => ({
  name,
  data: deflateRawSync(data),
  method: 8,
  declaredSize,
});

const history = async (s: Seller) =>
  (await call<{ items: Imp[] }>(api, "GET", "/v1/imports", { token: s.accessToken })).body.items;

describe("files refused for their structure at upload", () => {
  const cases: { name: string; bytes: () => Uint8Array; status: number; code: string }[] = [
    {
      name: "bomb.xlsx",
      // 10 MB of spaces deflate to ~10 KB; the headers claim 1 GiB.
      bytes: () =>
        buildZip([
          deflated("xl/worksheets/sheet1.xml", Buffer.alloc(10_000_000, 32), 1_073_741_824),
        ]),
      status: 413,
      code: "ZIP_TOO_LARGE",
    },
    {
      name: "crowded.xlsx",
      bytes: () =>
        buildZip(Array.from({ length: 10_001 }, (_, i) => deflated(`f${i}`, Buffer.alloc(0)))),
      status: 413,
      code: "ZIP_TOO_MANY_ENTRIES",
    },
    {
      name: "wide.csv",
      bytes: () =>
        new TextEncoder().encode(
          `${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",")}\nrow\n`,
        ),
      status: 422,
      code: "TOO_MANY_COLUMNS",
    },
  ];

  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.name} and lists it as failed in the file history`, async () => {
      const s = await signUp(api);
      const r = await upload<ErrorAnswer>(
        api,
        "/v1/imports",
        { name: c.name, bytes: c.bytes() },
        { token: s.accessToken },
      );
      expect(r.status).toBe(c.status);
      expect(r.body.error.code).toBe(c.code);
      expect(r.body.error.message.length).toBeGreaterThan(10);
      const items = await history(s);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ fileName: c.name, status: "failed" });
      expect(items[0]?.error).toMatch(new RegExp(`^${c.code}: `));
      expect(r.body.error.details?.importId).toBe(items[0]?.id);
      const one = await call<Imp>(api, "GET", `/v1/imports/${items[0]?.id}`, {
        token: s.accessToken,
      });
      expect(one.body.problems.map((p) => p.code)).toEqual([c.code]);
    });
  }

  it("refuses a repeat with the same Idempotency-Key again instead of replaying a failure", async () => {
    const s = await signUp(api);
    const bytes = cases[0]?.bytes() as Uint8Array;
    for (let i = 0; i < 2; i++) {
      const r = await upload<ErrorAnswer>(
        api,
        "/v1/imports",
        { name: "bomb.xlsx", bytes },
        { token: s.accessToken, headers: { "Idempotency-Key": "bomb-1" } },
      );
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe("ZIP_TOO_LARGE");
    }
    expect((await history(s)).map((i) => i.status)).toEqual(["failed", "failed"]);
  });

  it("documents the refusals on the upload operation", async () => {
    const doc = await call<{
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    }>(api, "GET", "/v1/openapi.json");
    const responses = doc.body.paths["/v1/imports"]?.post?.responses ?? {};
    expect(responses["413"]?.description).toMatch(/ZIP_TOO_LARGE/);
    expect(responses["422"]?.description).toMatch(/TOO_MANY_COLUMNS/);
  });

  it("still takes a well-formed CSV", async () => {
    const s = await signUp(api);
    const csv = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "ok.csv", bytes: new TextEncoder().encode("title,price\nLamp,10\n") },
      { token: s.accessToken },
    );
    expect(csv.status).toBe(201);
    expect(csv.body.status).toBe("previewed");
  });
});

describe("a CSV with a quote left open", () => {
  it("ends failed with UNTERMINATED_QUOTE naming the line, instead of one huge cell", async () => {
    const s = await signUp(api);
    const csv = 'title,price,description\nLamp,10,"warm light\nDesk,90,oak\nChair,5,pine\n';
    const r = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "open-quote.csv", bytes: new TextEncoder().encode(csv) },
      { token: s.accessToken },
    );
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("failed");
    expect(r.body.error).toMatch(/^UNTERMINATED_QUOTE: .*line 2\b/);
  });
});

describe("Windows-1252 accents found late in a file", () => {
  it("reads a file that was plain ASCII up to a late accent as Windows-1252, with a notice", async () => {
    const s = await signUp(api);
    const bytes = Buffer.concat([
      Buffer.from(`title,price,sku\n${"Plain lamp,10,\n".repeat(6000)}`),
      Buffer.from("Caf\xe9 table,12,CAFE-1\n", "latin1"),
    ]);
    const r = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "late-accent.csv", bytes: new Uint8Array(bytes) },
      { token: s.accessToken },
    );
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("previewed");
    expect(r.body.counts).toMatchObject({ rows: 6001, reject: 0 });
    expect(r.body.problems.map((p) => p.code)).toContain("ENCODING_WINDOWS_1252");
  });
});

describe("Facebook prices written with a thousands dot", () => {
  it("rejects 1.299 with 1299 as the suggested fix, and imports 1299 when fixes are applied", async () => {
    const s = await signUp(api);
    const csv = [
      "TITLE,PRICE,CONDITION,DESCRIPTION,CATEGORY,OFFER SHIPPING",
      "Sofa,1.299,New,,,",
    ].join("\n");
    const bytes = new TextEncoder().encode(csv);
    const r = await upload<Imp & { problems: { code: string; suggestion?: string }[] }>(
      api,
      "/v1/imports",
      { name: "fb.csv", bytes },
      { token: s.accessToken },
    );
    expect(r.body.counts).toMatchObject({ rows: 1, reject: 1 });
    expect(r.body.problems).toContainEqual(
      expect.objectContaining({ code: "AMBIGUOUS_PRICE", suggestion: "1299" }),
    );
    const fixed = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "fb.csv", bytes },
      { token: s.accessToken, fields: { applyFixes: "true" } },
    );
    expect(fixed.body.counts).toMatchObject({ rows: 1, create: 1, reject: 0 });
  });
});

describe("choosing a workbook sheet named with digits", () => {
  it("reads the sheet called 2024, not the 2024th sheet", async () => {
    const s = await signUp(api);
    const parts: Buffer[] = [];
    for await (const c of writeXlsx([
      {
        name: "Notes",
        leadRows: [{ values: ["title", "price"] }],
        rows: (async function* () {
          yield ["Old note", "1"];
        })(),
      },
      {
        name: "2024",
        leadRows: [{ values: ["title", "price", "sku"] }],
        rows: (async function* () {
          yield ["Lamp", "10", "L-1"];
          yield ["Desk", "90", "D-1"];
        })(),
      },
    ]))
      parts.push(c as Buffer);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "years.xlsx", bytes: new Uint8Array(Buffer.concat(parts)) },
      { token: s.accessToken, fields: { sheet: "2024" } },
    );
    expect(up.status).toBe(201);
    expect(up.body.status).toBe("previewed");
    expect(up.body.counts).toMatchObject({ rows: 2, create: 2 });
    // Digits that name no sheet are still its position.
    const second = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "years.xlsx", bytes: new Uint8Array(Buffer.concat(parts)) },
      { token: s.accessToken, fields: { sheet: "2" } },
    );
    expect(second.body.counts).toMatchObject({ rows: 2, create: 2 });
  });
});
