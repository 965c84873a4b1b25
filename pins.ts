/**
 * Every external version the platform installs, in one place.
 *
 * Each pin carries a `renovate:` comment that the regex manager in `renovate.json` reads, so
 * Renovate opens a pull request when upstream releases. Change a pin here and `npm run render`
 * shows everything it moves.
 */
export const pins = {
  talos: {
    // renovate: datasource=github-releases depName=siderolabs/talos
    version: "v1.13.9",
    // renovate: datasource=github-releases depName=pulumiverse/pulumi-talos
    providerVersion: "0.8.1",
  },
  // renovate: datasource=github-releases depName=kubernetes/kubernetes extractVersion=^v(?<version>.*)$
  kubernetes: "1.36.3",
} as const;
