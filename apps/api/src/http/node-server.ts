import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { serve } from "@hono/node-server";
import { REQUEST_ID, SECURITY_HEADERS } from "./middleware";

type FetchHandler = Parameters<typeof serve>[0]["fetch"];

/**
 * Serves the app on node:http with the per-response constants (security headers, request id)
 * written straight onto Node's response. Setting a dozen headers through web `Headers` costs more
 * than the rest of a small request; here they cost a few property writes. The app is built with
 * `serverSetsHeaders`, so it neither repeats them nor loses them under `app.request()` in tests.
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
      createServer: ((options: object, listener: (q: IncomingMessage, s: ServerResponse) => void) =>
        createServer(options, (req, res) => {
          const incoming = req.headers["x-request-id"];
          const id =
            typeof incoming === "string" && REQUEST_ID.test(incoming)
              ? incoming
              : crypto.randomUUID();
          // The app reads the id back from the request, so logs and the header always agree.
          req.headers["x-request-id"] = id;
          res.setHeader("X-Request-Id", id);
          for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
          listener(req, res);
        })) as never,
    },
    onListen,
  );
}
