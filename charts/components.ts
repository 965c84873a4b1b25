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

/** `01-storage`, …, `08-apps`: stable whichever components a cluster enables. */
export function componentFileStem(component: ComponentName): string {
  return `${String(componentOrder.indexOf(component) + 1).padStart(2, "0")}-${component}`;
}
