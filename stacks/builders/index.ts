export * from "./access-audiences";
export * from "./talos-images";
export * from "./talos-patches";
export * from "./edge";
