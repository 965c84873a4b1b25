export * from "./storage-mounts";
export * from "./talos-images";
export * from "./talos-patches";
