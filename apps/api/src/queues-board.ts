import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queues } from "@mbe/jobs";
import { Hono } from "hono";
import { QUEUES_DASHBOARD_PATH } from "./routes/queues-dashboard";

/**
 * bull-board for the four queues, as a Hono app serving /admin/queues. Node only (it reads its
 * UI from node_modules); app.ts mounts it behind the administrator session.
 */
export function createQueuesBoard(queues: Queues) {
  const adapter = new HonoAdapter(serveStatic).setBasePath(QUEUES_DASHBOARD_PATH);
  createBullBoard({
    queues: [queues.imports, queues.exports, queues.ocr, queues.searchIndex].map(
      (q) => new BullMQAdapter(q),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: "Marketplace Bulk Editor" } },
  });
  const app = new Hono();
  app.route(QUEUES_DASHBOARD_PATH, adapter.registerPlugin());
  return app;
}
