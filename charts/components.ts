/** The platform components in apply order; the number prefixes their files in `out/`. */
export const componentOrder = [
  "storage",
  "metallb",
  "cert-manager",
  "envoy-gateway",
  "cloudflared",
  "argocd",
  "lgtm",
  "upgrades",
  "apps",
] as const;

export type ComponentName = (typeof componentOrder)[number];

/** A component's objects applied apart from its own, around its Helm charts; see `InstallPhases`. */
export type InstallPhase = "beforeCharts" | "withCharts" | "afterCharts";

const phaseSuffixes: Record<InstallPhase, string> = {
  beforeCharts: "-1-before-charts",
  withCharts: "-2-with-charts",
  afterCharts: "-3-after-charts",
};

/**
 * `04-envoy-gateway-1-before-charts`, `07-lgtm-2-with-charts`, `03-cert-manager-3-after-charts`: the
 * file and resource names of a component's phases, which sort in apply order before its own
 * `04-envoy-gateway` (the Helm charts are applied with the second).
 */
export function phaseFileStem(stem: string, phase: InstallPhase): string {
  return `${stem}${phaseSuffixes[phase]}`;
}

/** `01-storage`, …, `08-apps`: stable whichever components a cluster enables. */
export function componentFileStem(component: ComponentName): string {
  return `${String(componentOrder.indexOf(component) + 1).padStart(2, "0")}-${component}`;
}
