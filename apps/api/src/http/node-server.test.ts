import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../../test/harness";
import { createApp } from "../app";
import { serveNode } from "./node-server";
import { DEFAULT_DOCUMENT_POLICY } from "./security-headers";

let api: TestApi;
let server: Server;
let base: string;

beforeAll(async () => {
  api = await createTestApi();
  api.deps.serverSetsHeaders = true;
  const app = createApp(api.deps);
  await new Promise<void>((resolve) => {
    server = serveNode(app.fetch, { port: 0, hostname: "127.0.0.1" }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    }) as Server;
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await api.close();
});

/** Serves `fetch` on a free port for the length of `use`. */
async function withServer(
  fetch: Parameters<typeof serveNode>[0],
  use: (base: string) => Promise<void>,
) {
  const server = serveNode(fetch, { port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((r) => server.once("listening", () => r()));
  const { port } = server.address() as { port: number };
  try {
    await use(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe("the Node server", () => {
  it("puts the API's security headers and a request id on every answer that is not a page", async () => {
    for (const path of ["/health", "/v1/listings", "/no-such-route", "/v1/openapi.json"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      // Page-only headers stay off JSON.
      expect(res.headers.get("referrer-policy")).toBeNull();
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      // Exactly one value each: the app does not repeat what the server wrote.
      expect(res.headers.get("x-request-id")).not.toContain(",");
      expect(res.headers.get("x-content-type-options")).not.toContain(",");
    }
  });

  it("gives the docs page the page headers and a policy that allows exactly its inline script", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
    expect(inline).toHaveLength(1);
    const hash = createHash("sha256")
      .update(inline[0] ?? "")
      .digest("base64");
    const policy = res.headers.get("content-security-policy") ?? "";
    expect(policy).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toContain("unsafe-eval");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps idle keep-alive connections open for 65 s, longer than clients and load balancers do", async () => {
    const res = await fetch(`${base}/health`);
    await res.text();
    expect(res.headers.get("keep-alive")).toBe("timeout=65");
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });

  it("keeps a sane caller request id and uses the same id in error bodies", async () => {
    const res = await fetch(`${base}/v1/listings`, { headers: { "x-request-id": "trace-42" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("trace-42");
    const body = (await res.json()) as { error: { requestId: string } };
    expect(body.error.requestId).toBe("trace-42");
    const bad = await fetch(`${base}/health`, { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("adds them to streamed responses and keeps every Set-Cookie the app sends", async () => {
    await withServer(
      () => {
        const headers = new Headers({ "content-type": "text/plain" });
        headers.append("set-cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2; Path=/");
        const body = new ReadableStream({
          start(ctl) {
            ctl.enqueue(new TextEncoder().encode("one,"));
            setTimeout(() => {
              ctl.enqueue(new TextEncoder().encode("two"));
              ctl.close();
            }, 10);
          },
        });
        return new Response(body, { status: 202, headers });
      },
      async (base) => {
        const res = await fetch(`${base}/`);
        expect(res.status).toBe(202);
        expect(await res.text()).toBe("one,two");
        expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
        expect(res.headers.get("x-frame-options")).toBe("DENY");
        expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      },
    );
  });

  it("gives a page without its own policy the default one, and keeps a page's own", async () => {
    await withServer(
      (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/not-modified") return new Response(null, { status: 304 });
        if (path === "/sandboxed")
          return new Response("a,b", {
            headers: { "content-type": "text/csv", "content-security-policy": "sandbox" },
          });
        if (path === "/own")
          return new Response("<p>own</p>", {
            headers: {
              "content-type": "text/html",
              "content-security-policy": "default-src 'self'",
            },
          });
        return new Response("<p>hi</p>", {
          headers: { "content-type": "Text/HTML; charset=utf-8" },
        });
      },
      async (base) => {
        const plain = await fetch(`${base}/`);
        expect(plain.headers.get("content-security-policy")).toBe(DEFAULT_DOCUMENT_POLICY);
        expect(plain.headers.get("x-frame-options")).toBe("SAMEORIGIN");
        const own = await fetch(`${base}/own`);
        // The page's own policy alone: a second one would be enforced as well.
        expect(own.headers.get("content-security-policy")).toBe("default-src 'self'");
        // A browser copies a 304's headers onto the page it cached: no policy that would replace
        // the page's own.
        const notModified = await fetch(`${base}/not-modified`);
        expect(notModified.status).toBe(304);
        expect(notModified.headers.get("content-security-policy")).toBeNull();
        expect(notModified.headers.get("x-frame-options")).toBeNull();
        expect(notModified.headers.get("x-content-type-options")).toBe("nosniff");
        // A download with a policy of its own keeps it alone.
        const sandboxed = await fetch(`${base}/sandboxed`);
        expect(sandboxed.headers.get("content-security-policy")).toBe("sandbox");
        expect(sandboxed.headers.get("x-frame-options")).toBe("DENY");
      },
    );
  });
});
