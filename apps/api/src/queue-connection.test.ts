import net from "node:net";
import { createQueues } from "@mbe/jobs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { queueConnection } from "./deps";

/**
 * A TCP relay to the test Redis that cuts the connection at the first command after ioredis's
 * ready check (its `INFO`), then refuses connections for `downMs`: Redis restarting just as the
 * queues start. BullMQ used to send its version check then.
 */
function relayDownAfterReady(downMs: number) {
  const target = new URL(inject("redisUrl"));
  let cutAt = 0;
  const sockets = new Set<net.Socket>();
  let port = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    let infos = 0;
    client.on("data", (chunk) => {
      const readyChecked = infos > 0;
      infos += (chunk.toString("latin1").match(/\r\ninfo\r\n/gi) ?? []).length;
      if (!cutAt && readyChecked) {
        cutAt = Date.now();
        // Refused until it listens again.
        server.close();
        setTimeout(() => server.listen(port, "127.0.0.1"), downMs);
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on("error", () => {});
      s.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  return {
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => {
          port = (server.address() as net.AddressInfo).port;
          resolve(port);
        }),
      ),
    wasCut: () => cutAt > 0,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const relay = relayDownAfterReady(6000);
afterAll(() => relay.close());

describe("the API's queue connection", () => {
  it("queues jobs once Redis is back after the connection dropped while the queues started", async () => {
    const port = await relay.listen();
    const redis = queueConnection(`redis://127.0.0.1:${port}`);
    redis.on("error", () => {});
    const queues = createQueues(redis, `qc${Math.random().toString(36).slice(2, 8)}`);
    try {
      let added: string | undefined;
      let last: unknown;
      const until = Date.now() + 12000;
      while (!added && Date.now() < until) {
        try {
          added = (await queues.imports.add("probe", { n: 1 })).id;
        } catch (err) {
          last = err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(relay.wasCut()).toBe(true);
      expect(added, `still failing: ${String(last)}`).toBeTruthy();
      await queues.imports.obliterate({ force: true });
    } finally {
      await queues.close().catch(() => {});
      redis.disconnect();
    }
  });
});
