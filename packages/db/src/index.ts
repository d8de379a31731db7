export * from "./client";
export * from "./schema/index";
export { seedDemo, DEMO_EMAIL } from "./seed";
export * from "./copy";
