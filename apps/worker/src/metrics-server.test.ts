import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { serveWorkerMetrics } from "./metrics-server";

function registryWithRows() {
  const registry = new Registry();
  new Counter({ name: "mbe_test_rows_total", help: "rows", registers: [registry] }).inc(5);
  return registry;
}

describe("worker /metrics listener", () => {
  it("answers loopback callers without a token, but not through a proxy", async () => {
    const { server, port } = await serveWorkerMetrics(registryWithRows(), {
      port: 0,
      host: "127.0.0.1",
    });
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("mbe_test_rows_total 5");
      const proxied = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { "x-forwarded-for": "198.51.100.1" },
      });
      expect(proxied.status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it("requires the bearer token when one is configured", async () => {
    const token = "worker-metrics-token-0123456789";
    const { server, port } = await serveWorkerMetrics(registryWithRows(), {
      port: 0,
      host: "127.0.0.1",
      token,
    });
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const wrong = await fetch(url, { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
      const right = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain("mbe_test_rows_total 5");
    } finally {
      server.close();
    }
  });
});
