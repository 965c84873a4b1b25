import { pins } from "../../pins";
import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";
import {
  compareVersions,
  kubernetesSupportByTalosMinor,
  minorOf,
  officialExtensions,
  oldestTalosForEmittedDocuments,
  parseVersion,
} from "../talos-support";

/** Versions that fit together, official system extensions, node names that render to their own files. */
export function checkTalos(inventory: ClusterInventory): Problem[] {
  return [...checkVersions(inventory), ...checkExtensions(inventory), ...checkNodeFileNames(inventory)];
}

const knownTalosMinors = () => [...kubernetesSupportByTalosMinor.keys()].join(" and ");

function checkVersions(inventory: ClusterInventory): Problem[] {
  const problems: Problem[] = [];
  const talos = parseVersion(inventory.talosVersion);
  const contract = parseVersion(inventory.talosConfigContract);
  const oldest = parseVersion(oldestTalosForEmittedDocuments);
  const tooOld = (version: string) =>
    `${version} is older than ${oldestTalosForEmittedDocuments}, the first Talos that reads the config documents render emits (HostnameConfig, LinkConfig, Layer2VIPConfig, ResolverConfig, TimeSyncConfig) — use ${oldestTalosForEmittedDocuments} or later`;

  const contractUsable = compareVersions(contract, oldest) >= 0;
  if (!contractUsable)
    problems.push({ path: ["talosConfigContract"], message: tooOld(inventory.talosConfigContract) });

  if (compareVersions(talos, oldest) < 0) {
    problems.push({ path: ["talosVersion"], message: tooOld(inventory.talosVersion) });
    return problems;
  }
  if (contractUsable && compareVersions(talos, contract) < 0) {
    problems.push({
      path: ["talosVersion"],
      message: `${inventory.talosVersion} is older than the cluster's config contract ${inventory.talosConfigContract} (talosConfigContract) — the machine configs are generated for ${inventory.talosConfigContract}, so nodes must run it or a newer Talos`,
    });
  }
  const support = kubernetesSupportByTalosMinor.get(minorOf(talos));
  if (support === undefined) {
    problems.push({
      path: ["talosVersion"],
      message: `${inventory.talosVersion} is a Talos ${minorOf(talos)} release, which this homelab-platform has not been checked against — it supports Talos ${knownTalosMinors()}; use such as ${pins.talos.version}, or update homelab-platform`,
    });
    return problems;
  }
  const kubernetes = parseVersion(inventory.kubernetesVersion);
  const [oldestKubernetes, newestKubernetes] = [support.oldest, support.newest].map((minor) =>
    parseVersion(`${minor}.0`),
  );
  const kubernetesMinor = { ...kubernetes, patch: 0 };
  if (
    compareVersions(kubernetesMinor, oldestKubernetes) < 0 ||
    compareVersions(kubernetesMinor, newestKubernetes) > 0
  ) {
    problems.push({
      path: ["kubernetesVersion"],
      message: `${inventory.kubernetesVersion} is not supported by Talos ${inventory.talosVersion} — it runs Kubernetes ${support.oldest} to ${support.newest}`,
    });
  }
  return problems;
}

function checkExtensions(inventory: ClusterInventory): Problem[] {
  const problems: Problem[] = [];
  const { talosVersion, names } = officialExtensions;
  inventory.nodes.forEach((node, nodeIndex) => {
    node.extensions.forEach((extension, index) => {
      const path: KeyPath = ["nodes", nodeIndex, "extensions", index];
      if (node.extensions.indexOf(extension) !== index) {
        problems.push({ path, message: `${extension} is listed twice — name each extension once` });
      } else if (!extension.startsWith("siderolabs/")) {
        problems.push({
          path,
          message: `${extension} is not an official Talos extension — the Image Factory builds official extensions only, named siderolabs/<name>, such as siderolabs/intel-ucode`,
        });
      } else if (!names.has(extension)) {
        const suggestion = closestName(extension, names);
        problems.push({
          path,
          message: `${extension} is not an official system extension of Talos ${talosVersion} — ${suggestion ? `did you mean ${suggestion}? ` : ""}the official ones are listed in vendor/talos/extensions.json`,
        });
      }
    });
  });
  return problems;
}

/** Render writes `talos/<node>.yaml` beside `talos/schematic-<extensions>.yaml`. */
const schematicFilePrefix = "schematic-";

function checkNodeFileNames(inventory: ClusterInventory): Problem[] {
  return inventory.nodes.flatMap((node, index) =>
    node.name.startsWith(schematicFilePrefix)
      ? [
          {
            path: ["nodes", index, "name"],
            message: `"${node.name}" starts with ${schematicFilePrefix}, which render keeps for the node classes' schematic files in talos/ — choose another name`,
          },
        ]
      : [],
  );
}

/** The known name nearest to `wanted` when a typo is likely (at most two edits), else undefined. */
function closestName(wanted: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(wanted, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
