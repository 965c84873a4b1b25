import officialExtensionsOfPinnedTalos from "../vendor/talos/extensions.json";

/** A `vX.Y.Z` Talos or `X.Y.Z` Kubernetes version as numbers, for ordering. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(text: string): Version {
  const [major, minor, patch] = text.replace(/^v/, "").split(".").map(Number);
  return { major, minor, patch };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const minorOf = (version: Version) => `${version.major}.${version.minor}`;

/**
 * The Kubernetes minors each Talos minor supports, from the Talos support matrix
 * (docs.siderolabs.com, "Support Matrix" of v1.12 and v1.13). A Talos minor missing here is one this
 * project has not been checked against; add it when a pin moves to it.
 */
export const kubernetesSupportByTalosMinor: ReadonlyMap<string, { oldest: string; newest: string }> = new Map(
  [
    ["1.12", { oldest: "1.30", newest: "1.35" }],
    ["1.13", { oldest: "1.31", newest: "1.36" }],
  ],
);

/**
 * The first Talos that reads every config document the patch builder emits: from 1.12 the
 * `machine.network.*` and `machine.time` keys gave way to HostnameConfig, LinkConfig,
 * Layer2VIPConfig, ResolverConfig and TimeSyncConfig documents.
 */
export const oldestTalosForEmittedDocuments = "v1.12.0";

/** The official system extensions (siderolabs/extensions) of the pinned Talos, vendored. */
export const officialExtensions = {
  talosVersion: officialExtensionsOfPinnedTalos.talosVersion,
  names: new Set(officialExtensionsOfPinnedTalos.extensions.map((extension) => extension.name)),
};
