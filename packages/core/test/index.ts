export * from "./log-lines";
export * from "./s3-server";
