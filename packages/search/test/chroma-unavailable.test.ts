import { randomUUID } from "node:crypto";
import net from "node:net";
import { freePort } from "@mbe/local-services";
import { afterAll, describe, expect, it } from "vitest";
import { LocalEmbedder, SearchIndex } from "../src";
import { memoryActiveStore, startTestChroma } from "./testing";

const embedder = new LocalEmbedder();
const seller = randomUUID();

async function timed(p: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const start = Date.now();
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - start };
}

describe("when Chroma is unreachable", () => {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  it("fails fast with SEARCH_UNAVAILABLE after the server stopped", async () => {
    const chroma = await startTestChroma();
    const store = memoryActiveStore();
    const index = new SearchIndex({ chromaUrl: chroma.url, embedder, store, timeoutMs: 2000 });
    await index.upsert(seller, [{ id: "a", text: "mountain bike" }]);
    expect(await index.count(seller)).toBe(1);
    await chroma.stop();
    const calls: Array<() => Promise<unknown>> = [
      () => index.query(seller, "bike"),
      () => index.upsert(seller, [{ id: "b", text: "sofa" }]),
      () => index.remove(seller, ["a"]),
      () => index.count(seller),
      () => index.beginRebuild(),
    ];
    for (const call of calls) {
      const { err, ms } = await timed(call());
      expect(err).toMatchObject({ code: "SEARCH_UNAVAILABLE" });
      expect(ms).toBeLessThan(1500);
    }
  });

  it("fails fast when nothing listens on the port", async () => {
    const port = await freePort();
    const index = new SearchIndex({
      chromaUrl: `http://127.0.0.1:${port}`,
      embedder,
      store: memoryActiveStore(),
    });
    const { err, ms } = await timed(index.query(seller, "bike"));
    expect(err).toMatchObject({ code: "SEARCH_UNAVAILABLE" });
    expect(ms).toBeLessThan(1500);
  });

  it("times out instead of hanging when the server accepts but never answers", async () => {
    // Accepts connections and never answers: the worst case for a client without timeouts.
    const server = net.createServer((socket) => {
      sockets.push(socket);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const index = new SearchIndex({
      chromaUrl: `http://127.0.0.1:${port}`,
      embedder,
      store: memoryActiveStore(),
      timeoutMs: 300,
    });
    const { err, ms } = await timed(index.query(seller, "bike"));
    expect(err).toMatchObject({ code: "SEARCH_UNAVAILABLE" });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  it("reports a failing active-collection store as SEARCH_UNAVAILABLE", async () => {
    const index = new SearchIndex({
      chromaUrl: "http://127.0.0.1:9",
      embedder,
      store: {
        get: () => Promise.reject(new Error("redis down")),
        set: () => Promise.reject(new Error("redis down")),
      },
    });
    await expect(index.query(seller, "bike")).rejects.toMatchObject({ code: "SEARCH_UNAVAILABLE" });
  });
});
