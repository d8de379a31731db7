import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startChroma } from "@mbe/local-services";
import { chromaCliPath } from "../src/chroma-cli";
import type { ActiveCollectionStore } from "../src/index/search-index";

export {
  defaultChatContent,
  type OpenAIStub,
  type OpenAIStubOptions,
  type StubChatRequest,
  type StubRequest,
  startOpenAIStub,
  stubVector,
} from "./openai-stub-server";

/** A Chroma server in a fresh temp folder, for tests; stop() also deletes the folder. */
export async function startTestChroma(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-chroma-"));
  const svc = await startChroma(dir, chromaCliPath());
  return {
    url: svc.url,
    stop: async () => {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * In-process ActiveCollectionStore for tests and single-process tools (the app uses Redis so that
 * the API and the worker agree on the active generation).
 */
export function memoryActiveStore(initial: string | null = null): ActiveCollectionStore & {
  value: string | null;
} {
  const store = {
    value: initial,
    async get() {
      return store.value;
    },
    async set(name: string) {
      store.value = name;
    },
  };
  return store;
}
