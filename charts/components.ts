/** The platform components in apply order; the number prefixes their files in `out/`. */
export const componentOrder = [
  "storage",
  "metallb",
  "cert-manager",
  "envoy-gateway",
  "cloudflared",
  "argocd",
  "lgtm",
  "apps",
] as const;

export type ComponentName = (typeof componentOrder)[number];

/** A component's objects applied apart from its own, around its Helm charts; see `InstallPhases`. */
export type InstallPhase = "beforeCharts" | "afterCharts";

/**
 * `04-envoy-gateway-1-before-charts`, `03-cert-manager-2-after-charts`: the file and resource names of a
 * component's phases, which sort before its own `04-envoy-gateway` in apply order (the Helm charts
 * come between the two phases).
 */
export function phaseFileStem(stem: string, phase: InstallPhase): string {
  return `${stem}${phase === "beforeCharts" ? "-1-before-charts" : "-2-after-charts"}`;
}

/** `01-storage`, …, `08-apps`: stable whichever components a cluster enables. */
export function componentFileStem(component: ComponentName): string {
  return `${String(componentOrder.indexOf(component) + 1).padStart(2, "0")}-${component}`;
}
