import type { Server } from "node:http";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEnv } from "./env";
import { onError } from "./errors";
import { serveNode } from "./node-server";
import { streamFile } from "./stream";

/*
 * Downloads over a real socket: a file that fails half way must reach the client as a failed
 * transfer, never as a shorter file with a clean end.
 */
const logged: { obj: Record<string, unknown>; msg?: string }[] = [];
const log = {
  info() {},
  warn() {},
  error(obj: Record<string, unknown>, msg?: string) {
    logged.push({ obj, msg });
  },
};
const ROW = `INSERT INTO listings VALUES ('${"x".repeat(200)}');\n`;

function sqlFile(rows: number, failAt?: number) {
  return Readable.from(
    (async function* () {
      yield "BEGIN;\n";
      for (let i = 0; i < rows; i++) {
        if (i === failAt) throw new Error("connection to the database was lost");
        yield Buffer.from(ROW);
      }
      yield "COMMIT;\n";
    })(),
  );
}

let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.get("/whole.sql", (c) => streamFile(c, sqlFile(5000), "whole.sql", "application/sql"));
  app.get("/broken.sql", (c) =>
    streamFile(c, sqlFile(5000, 2460), "broken.sql", "application/sql"),
  );
  app.get("/fails-at-once.sql", (c) =>
    streamFile(
      c,
      Readable.from(
        (async function* () {
          yield* [];
          throw new Error("object not found in storage");
        })(),
      ),
      "fails-at-once.sql",
      "application/sql",
    ),
  );
  await new Promise<void>((resolve) => {
    server = serveNode(
      (req) => app.fetch(req, { requestId: "req-1", log }),
      { port: 0, hostname: "127.0.0.1" },
      (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      },
    ) as Server;
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe("streamed downloads", () => {
  it("send the whole file with its download headers", async () => {
    const res = await fetch(`${base}/whole.sql`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="whole.sql"; filename*=UTF-8''whole.sql`,
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text.startsWith("BEGIN;\n")).toBe(true);
    expect(text.endsWith("COMMIT;\n")).toBe(true);
    expect(text.length).toBe(7 + 5000 * ROW.length + 8);
  });

  it("fail the transfer, and log why, when the file breaks after the headers were sent", async () => {
    logged.length = 0;
    const res = await fetch(`${base}/broken.sql`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.obj.err)).toContain("connection to the database was lost");
    expect(logged[0]?.obj.fileName).toBe("broken.sql");
  });

  it("answer with the error body when the file fails before its first byte", async () => {
    const res = await fetch(`${base}/fails-at-once.sql`);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-disposition")).toBeNull();
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("INTERNAL");
    expect(body.error.requestId).toBe("req-1");
  });
});
