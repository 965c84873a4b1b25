export * from "./addresses";
export * from "./derive";
export * from "./load";
export * from "./problems";
export * from "./schema";
export * from "./secrets";
export * from "./upgrades";
