import { describe, expect, it } from "vitest";
import { readTable } from "../src/index";
import { collect, rejection } from "./helpers";

async function read(text: string, limits = {}) {
  const t = await readTable({ bytes: Buffer.from(text), limits });
  const rows = await collect(t.rows);
  return { t, rows };
}

describe("json reader", () => {
  it("reads a top-level array, keeping later keys as new columns", async () => {
    const { t, rows } = await read(
      '[{"title":"A","price":1.5,"tags":["x","y"]},{"title":"B","sku":"007","meta":{"a":1}}]',
    );
    expect(t.kind).toBe("json");
    expect(t.headers).toEqual(["title", "price", "tags", "sku", "meta"]);
    expect(rows).toEqual([
      { row: 1, values: ["A", "1.5", '["x","y"]'] },
      { row: 2, values: ["B", "", "", "007", '{"a":1}'] },
    ]);
  });

  it("reads { listings: [...] } and { items: [...] } with other keys around", async () => {
    const a = await read(
      '{"exported":"2024","meta":{"listings":"no"},"listings":[{"title":"A, \\"quoted\\" ]}"}]}',
    );
    expect(a.rows.map((r) => r.values)).toEqual([['A, "quoted" ]}']]);
    const b = await read(' \n{"items":[{"title":"X"},{"title":"Y"}],"count":2}');
    expect(b.rows.map((r) => r.values[0])).toEqual(["X", "Y"]);
  });

  it("streams records split across tiny chunks", async () => {
    const text = JSON.stringify({
      listings: [{ title: "Ünïcode 🎉", price: "9" }, { title: "two" }],
    });
    const bytes = Buffer.from(text);
    async function* drip() {
      for (let i = 0; i < bytes.length; i += 2) yield bytes.subarray(i, i + 2);
    }
    const t = await readTable({ stream: drip() });
    expect((await collect(t.rows)).map((r) => r.values[0])).toEqual(["Ünïcode 🎉", "two"]);
  });

  it("refuses bad shapes and broken JSON with codes", async () => {
    const code = async (text: string, limits = {}) => (await rejection(read(text, limits))).code;
    expect(await code('{"foo":[{"a":1}]}')).toBe("JSON_UNSUPPORTED_SHAPE");
    expect(await code("[1,2,3]")).toBe("JSON_UNSUPPORTED_SHAPE");
    expect(await code('[{"a":1},{"b":')).toBe("JSON_INVALID");
    expect(await code('[{"a":tru}]')).toBe("JSON_INVALID");
    expect(
      await code(`[{"a":"${"x".repeat(5000)}"}]`, { maxRecordBytes: 1000, maxCellChars: 100_000 }),
    ).toBe("RECORD_TOO_LARGE");
    expect(await code(`[${'{"a":1},'.repeat(20)}{"a":1}]`, { maxRows: 5 })).toBe("TOO_MANY_ROWS");
  });

  it("refuses a NUL escape in a value or a key as BINARY_CONTENT, like a NUL in a CSV", async () => {
    const value = await rejection(
      read('[{"title":"fine","sku":"J-1"},{"title":"nul\\u0000title","sku":"J-2"}]'),
    );
    expect(value.code).toBe("BINARY_CONTENT");
    expect(value.message).toMatch(/Record 2, field "title"/);
    const key = await rejection(read('{"items":[{"ti\\u0000tle":"x"}]}'));
    expect(key.code).toBe("BINARY_CONTENT");
    const nested = await rejection(read('[{"meta":{"a":["\\u0000"]}}]'));
    expect(nested.code).toBe("BINARY_CONTENT");
    // An escaped backslash followed by "u0000" is ordinary text.
    const { rows } = await read('[{"title":"C:\\\\u0000"}]');
    expect(rows).toEqual([{ row: 1, values: ["C:\\u0000"] }]);
  });
});
