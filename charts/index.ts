export * from "./access-audience";
export * from "./apps";
export * from "./bootstrap-secrets";
export * from "./cluster-charts";
export * from "./components";
export * from "./install-hooks";
