import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from "node:http";
import { serve } from "@hono/node-server";
import { REQUEST_ID } from "./middleware";
import { securityHeadersFor } from "./security-headers";

type FetchHandler = Parameters<typeof serve>[0]["fetch"];

/** How long an idle keep-alive connection stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Whether a header name (any case) is `name`, given in lower case. */
const named = (key: string, name: string) =>
  key.length === name.length && (key === name || key.toLowerCase() === name);

/**
 * A response that writes the security headers and the request id in the same `writeHead` as the
 * app's own headers, as one flat array. `setHeader` for each of them cost more than the rest of a
 * small request (each call validates, lower-cases and stores the header, and `writeHead` then
 * merges and validates the lot again); with no header set beforehand, Node writes a flat array
 * straight into the header block. Everything goes through `writeHead`, including the implicit
 * head of a bare `write()`/`end()`, so no response leaves without them. Which set is written
 * depends on the response's `Content-Type` (see `security-headers.ts`).
 */
class ApiResponse extends ServerResponse {
  requestId = "";

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    let reason: string | undefined;
    let headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;
    if (typeof reasonOrHeaders === "string") {
      reason = reasonOrHeaders;
      headers = maybeHeaders;
    } else headers = reasonOrHeaders;
    const own: OutgoingHttpHeader[] = [];
    if (Array.isArray(headers)) {
      // Either flat already or a list of [name, value] pairs.
      if (headers.length && Array.isArray(headers[0]))
        for (const pair of headers as unknown as OutgoingHttpHeader[][])
          own.push(pair[0] as OutgoingHttpHeader, pair[1] as OutgoingHttpHeader);
      else for (const h of headers) own.push(h);
    } else if (headers) {
      for (const k in headers) {
        const v = headers[k];
        if (v !== undefined) own.push(k, v);
      }
    }
    let contentType: unknown;
    let policy = false;
    for (let i = 0; i < own.length; i += 2) {
      const k = String(own[i]);
      if (named(k, "content-type")) contentType = own[i + 1];
      else if (named(k, "content-security-policy")) policy = true;
    }
    // Headers set earlier with setHeader (a library writing to the Node response) are merged by
    // Node itself; otherwise the flat array is written as it stands.
    contentType ??= this.getHeader("content-type");
    policy ||= this.hasHeader("content-security-policy");
    const flat: OutgoingHttpHeader[] = securityHeadersFor(
      statusCode,
      typeof contentType === "string" ? contentType : undefined,
      policy,
    ).slice();
    flat.push("X-Request-Id", this.requestId);
    for (const h of own) flat.push(h);
    return reason === undefined
      ? super.writeHead(statusCode, flat as unknown as OutgoingHttpHeaders)
      : super.writeHead(statusCode, reason, flat as unknown as OutgoingHttpHeaders);
  }
}

/**
 * Serves the app on node:http with the per-response constants (security headers, request id)
 * written by the Node response itself (`ApiResponse`). The app is built with `serverSetsHeaders`,
 * so it neither repeats them nor loses them under `app.request()` in tests.
 */
export function serveNode(
  fetch: FetchHandler,
  opts: { port: number; hostname: string },
  onListen?: (info: { port: number }) => void,
) {
  return serve(
    {
      fetch,
      port: opts.port,
      hostname: opts.hostname,
      createServer: ((
        options: object,
        listener: (q: IncomingMessage, s: ServerResponse) => void,
      ) => {
        const server = createServer({ ...options, ServerResponse: ApiResponse }, (req, res) => {
          const incoming = req.headers["x-request-id"];
          const id =
            typeof incoming === "string" && REQUEST_ID.test(incoming)
              ? incoming
              : crypto.randomUUID();
          // The app reads the id back from the request, so logs and the header always agree.
          req.headers["x-request-id"] = id;
          (res as ApiResponse).requestId = id;
          listener(req, res);
        });
        // Idle keep-alive connections stay open longer than a client or load balancer keeps
        // them (60 s is the common idle timeout): with Node's 5 s, a client whose timer ran late
        // sent its next request on a socket the server was closing and got ECONNRESET.
        server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
        server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
        return server;
      }) as never,
    },
    onListen,
  );
}
