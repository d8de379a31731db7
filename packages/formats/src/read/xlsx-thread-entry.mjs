// Entry of the xlsx reading thread: registers the TypeScript loader in this thread, then loads it.
import { register } from "tsx/esm/api";

register();
await import("./xlsx-thread-run.ts");
