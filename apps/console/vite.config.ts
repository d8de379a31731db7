import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API the dev server (and `vite preview`) forwards to; `pnpm dev` runs it on :3000.
const api = process.env.MBE_API_URL ?? "http://localhost:3000";
const proxy = { "/trpc": api, "/v1": api, "/health": api, "/admin/queues": api };

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, proxy },
  preview: { port: 4173, proxy },
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 800 },
});
