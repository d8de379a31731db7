export * from "./client";
export * from "./copy";
export * from "./schema/index";
export { DEMO_EMAIL, seedDemo } from "./seed";
