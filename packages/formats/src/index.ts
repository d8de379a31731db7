export * from "./listing";
export * from "./marketplaces/rules";
