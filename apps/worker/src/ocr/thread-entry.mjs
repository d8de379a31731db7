// Entry of the OCR worker thread: registers the TypeScript loader in this thread, then loads it.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
