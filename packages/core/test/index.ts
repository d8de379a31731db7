export * from "./log-lines";
export * from "./poll";
export * from "./s3-server";
