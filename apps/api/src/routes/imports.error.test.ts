import { readdirSync } from "node:fs";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip } from "../../../../packages/formats/test/helpers";
import { call, createTestApi, signUp, type TestApi, upload, waitFor } from "../../test/harness";

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

type Imp = { status: string; error: string | null; counts: Record<string, number> };

/** The files in the folder that holds the stored upload of import `id`. */
async function storedBeside(id: string): Promise<string[]> {
  const sql = api.db.sql;
  if (!sql) throw new Error("the API tests run on PostgreSQL");
  const [row] = await sql`select storage_key from imports where id = ${id}`;
  const stored = await api.deps.storage.localFile(String(row?.storage_key));
  await stored.release();
  return readdirSync(path.dirname(stored.path));
}

/** Where the test API stores uploads (a LocalStorage folder). */
function storageRoot(): string {
  const root = (api.deps.storage as { root?: string }).root;
  if (!root) throw new Error("the API tests store files locally");
  return root;
}

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

/** A zip of one deflated entry whose headers claim `claimed` inflated bytes. */
const zipWith = (name: string, data: Buffer, claimed = data.length): Buffer =>
  buildZip([{ name, data: deflateRawSync(data), method: 8, declaredSize: claimed }]);

describe("bad import files end in a reported error or a 4xx, never a 500", () => {
  it("refuses garbage bytes, a truncated zip, a zip bomb and a million columns with codes", async () => {
    const s = await signUp(api);
    const cases: [string, Uint8Array][] = [
      ["garbage.csv", new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
      ["truncated.xlsx", zipWith("xl/workbook.xml", Buffer.alloc(50_000, 65)).subarray(0, 300)],
      [
        "bomb.xlsx",
        zipWith("xl/worksheets/sheet1.xml", Buffer.alloc(10_000_000, 32), 1_073_741_824),
      ],
      [
        "wide.csv",
        new TextEncoder().encode(
          `${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",")}\n`,
        ),
      ],
      ["empty-ish.csv", new TextEncoder().encode("\n\n\n")],
    ];
    for (const [name, bytes] of cases) {
      const t = performance.now();
      const r = await upload<Imp & { id: string }>(
        api,
        "/v1/imports",
        { name, bytes },
        { token: s.accessToken },
      );
      expect(r.status, name).toBeLessThan(500);
      if (r.status < 300 && r.body.status === "uploaded") {
        // Large files are analysed by a background job; wait for its verdict.
        r.body = await waitFor(async () => {
          const g = await call<Imp & { id: string }>(api, "GET", `/v1/imports/${r.body.id}`, {
            token: s.accessToken,
          });
          return g.body.status !== "uploaded" ? g.body : undefined;
        });
      }
      if (r.status < 300) {
        expect(r.body.status, name).toBe("failed");
        expect(r.body.error, name).toMatch(/^[A-Z_]+: /);
      }
      expect(performance.now() - t, name).toBeLessThan(15_000);
    }
    const listings = await call<{ items: unknown[] }>(api, "GET", "/v1/listings", {
      token: s.accessToken,
    });
    expect(listings.body.items).toEqual([]);
  });

  it("reads latin-1 text without losing the accents or failing", async () => {
    const s = await signUp(api);
    const bytes = Buffer.from("title,price\nCaf\xe9 cr\xe8me table,12\n", "latin1");
    const r = await upload<Imp & { problems: { code: string }[] }>(
      api,
      "/v1/imports",
      { name: "latin1.csv", bytes },
      { token: s.accessToken },
    );
    expect(r.status).toBeLessThan(500);
    if (r.body.status === "previewed") expect(r.body.counts.create).toBe(1);
    else expect(r.body.error).toMatch(/ENCODING/);
  });

  it("answers 413 past the size limit and 400 for a missing file", async () => {
    const s = await signUp(api);
    const big = await upload<{ error: { code: string } }>(
      api,
      "/v1/imports",
      { name: "big.csv", bytes: new Uint8Array(10 * 1024 * 1024).fill(65) },
      { token: s.accessToken },
    );
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    // Nothing of it stays behind: no partial file, so no open descriptor writing one.
    expect(filesUnder(storageRoot()).filter((f) => f.includes(".part-"))).toEqual([]);
    const raw = await api.app.request("/v1/imports?fileName=big.csv", {
      method: "POST",
      headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "text/csv" },
      body: new Uint8Array(10 * 1024 * 1024).fill(65),
    });
    expect(raw.status).toBe(413);
    expect(filesUnder(storageRoot()).filter((f) => f.includes(".part-"))).toEqual([]);
    const form = new FormData();
    form.append("note", "no file");
    const res = await api.app.request("/v1/imports", {
      method: "POST",
      headers: { authorization: `Bearer ${s.accessToken}` },
      body: form,
    });
    expect(res.status).toBe(400);
    const noAuth = await upload(api, "/v1/imports", {
      name: "a.csv",
      bytes: new TextEncoder().encode("a,b\n1,2\n"),
    });
    expect(noAuth.status).toBe(401);
  });

  it("fails a JSON import holding a NUL with a code, as it does a CSV one", async () => {
    const s = await signUp(api);
    const bytes = new TextEncoder().encode(
      '[{"title":"nul\\u0000title","price":1,"sku":"JNUL-1"},{"title":"fine","price":2,"sku":"JNUL-2"}]',
    );
    const r = await upload<Imp & { id: string }>(
      api,
      "/v1/imports",
      { name: "nul.json", bytes },
      { token: s.accessToken },
    );
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("failed");
    expect(r.body.error).toMatch(/^BINARY_CONTENT: Record 1, field "title"/);
    const again = await call<Imp>(api, "POST", `/v1/imports/${r.body.id}/analyze`, {
      token: s.accessToken,
      body: {},
    });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("failed");
  });

  it("marks an import failed when the database refuses its dry run, never leaving it uploaded", async () => {
    const s = await signUp(api);
    const sql = api.db.sql;
    if (!sql) throw new Error("the API tests run on PostgreSQL");
    // The database refuses to record the dry run of this seller's file only (other tests run
    // alongside), as it refuses a value it cannot hold.
    await sql.unsafe(`
      create or replace function refuse_marked_preview() returns trigger language plpgsql as $$
      begin
        if new.status = 'previewed' and new.file_name = '${s.id}.csv' then
          raise exception 'unsupported Unicode escape sequence' using errcode = '22P05';
        end if;
        return new;
      end $$;
      create trigger refuse_marked_preview before update on imports
        for each row execute function refuse_marked_preview();
    `);
    try {
      const r = await upload<{ error: { code: string } }>(
        api,
        "/v1/imports",
        { name: `${s.id}.csv`, bytes: new TextEncoder().encode("title,price\nLamp,1\n") },
        { token: s.accessToken },
      );
      // The answer is the one this database refusal has always mapped to.
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    } finally {
      await sql.unsafe(`
        drop trigger refuse_marked_preview on imports;
        drop function refuse_marked_preview();
      `);
    }
    const list = await call<{ items: (Imp & { id: string })[] }>(api, "GET", "/v1/imports", {
      token: s.accessToken,
    });
    expect(list.body.items.length).toBe(1);
    expect(list.body.items[0]?.status).toBe("failed");
    // Recorded with the code the answer carried.
    expect(list.body.items[0]?.error).toMatch(/^VALIDATION_FAILED: /);
    // Once the cause is gone, the dry run can be run again.
    const again = await call<Imp>(api, "POST", `/v1/imports/${list.body.items[0]?.id}/analyze`, {
      token: s.accessToken,
      body: {},
    });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("previewed");
    expect(again.body.counts.create).toBe(1);
  });

  it("removes the stored file when an upload is refused after it was stored", async () => {
    const s = await signUp(api);
    const bytes = new TextEncoder().encode("title,price\nLamp,1\n");
    const ok = await upload<Imp & { id: string }>(
      api,
      "/v1/imports",
      { name: "ok.csv", bytes },
      { token: s.accessToken },
    );
    expect(ok.status).toBe(201);
    const before = await storedBeside(ok.body.id);
    expect(before.length).toBe(1);
    const unknownProfile = await upload<{ error: { code: string } }>(
      api,
      "/v1/imports",
      { name: "ok.csv", bytes },
      {
        token: s.accessToken,
        fields: { mappingProfileId: "00000000-0000-4000-8000-000000000000" },
      },
    );
    expect(unknownProfile.status).toBe(404);
    const html = await upload(
      api,
      "/v1/imports",
      {
        name: "page.csv",
        bytes: new TextEncoder().encode("<!doctype html><html><body>x</body></html>"),
      },
      { token: s.accessToken },
    );
    expect(html.status).toBe(415);
    expect(await storedBeside(ok.body.id)).toEqual(before);
  });

  it("validates options: a bad mapping is a 400", async () => {
    const s = await signUp(api);
    const r = await upload<{ error: { code: string } }>(
      api,
      "/v1/imports",
      { name: "a.csv", bytes: new TextEncoder().encode("a,b\n1,2\n") },
      { token: s.accessToken, fields: { mapping: "{not json" } },
    );
    expect(r.status).toBe(400);
    const r2 = await upload<{ error: { code: string } }>(
      api,
      "/v1/imports",
      { name: "a.csv", bytes: new TextEncoder().encode("a,b\n1,2\n") },
      { token: s.accessToken, fields: { mapping: '{"a":"password"}' } },
    );
    expect(r2.status).toBe(400);
  });
});

describe("listing imports", () => {
  it("takes `before` as an RFC 3339 time with an offset", async () => {
    const s = await signUp(api);
    const r = await call<{ items: unknown[] }>(
      api,
      "GET",
      `/v1/imports?before=${encodeURIComponent("2099-01-01T00:00:00+01:00")}`,
      { token: s.accessToken },
    );
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([]);
  });
});
