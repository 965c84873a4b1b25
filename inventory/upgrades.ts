import type { Problem } from "./problems";
import {
  compareVersions,
  kubernetesSupportByTalosMinor,
  minorOf,
  parseVersion,
  type Version,
} from "./talos-support";

/** The versions a cluster runs, or is being taken to: Talos `vX.Y.Z`, Kubernetes `X.Y.Z`. */
export interface ClusterVersions {
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
}

/**
 * Why a cluster running `current` cannot be taken to `target` by one rolling upgrade, each problem on
 * the key that moved: Talos upgrades one minor release at a time (Sidero's upgrade path), Kubernetes
 * likewise (the API server's version skew policy), neither goes back, and the Kubernetes target must run
 * on the Talos the cluster has when its upgrade starts — the target Talos, since Talos goes first.
 * Empty when `current` is unknown (a cluster not deployed yet installs `target` directly).
 */
export function upgradeProblems(current: ClusterVersions | undefined, target: ClusterVersions): Problem[] {
  if (!current) return [];
  const problems: Problem[] = [];
  const [talosFrom, talosTo] = [parseVersion(current.talosVersion), parseVersion(target.talosVersion)];
  const talosStep = minorStep(talosFrom, talosTo);
  if (compareVersions(talosTo, talosFrom) < 0) {
    problems.push({
      path: ["talosVersion"],
      message: `${target.talosVersion} is older than the ${current.talosVersion} the cluster runs — upgrades only go forward; to go back, roll back the nodes with talosctl and set the version they run`,
    });
  } else if (talosStep > 1) {
    problems.push({
      path: ["talosVersion"],
      message: `${target.talosVersion} skips ${talosStep - 1 === 1 ? "a minor release" : `${talosStep - 1} minor releases`} from the ${current.talosVersion} the cluster runs — Talos upgrades one minor at a time: go to the newest v${nextMinor(talosFrom)}.x first`,
    });
  }

  const [kubernetesFrom, kubernetesTo] = [
    parseVersion(current.kubernetesVersion),
    parseVersion(target.kubernetesVersion),
  ];
  // Talos goes first: its nodes come back on the new Talos with the Kubernetes they ran.
  const support = kubernetesSupportByTalosMinor.get(minorOf(talosTo));
  if (
    support &&
    talosStep >= 1 &&
    (compareVersions(kubernetesFrom, parseVersion(`${support.oldest}.0`)) < 0 ||
      compareVersions({ ...kubernetesFrom, patch: 0 }, parseVersion(`${support.newest}.0`)) > 0)
  ) {
    problems.push({
      path: ["talosVersion"],
      message: `Talos ${target.talosVersion} runs Kubernetes ${support.oldest} to ${support.newest}, and the cluster runs ${current.kubernetesVersion} until its Kubernetes upgrade, which comes after Talos's — upgrade Kubernetes within what ${current.talosVersion} runs first`,
    });
  }
  const kubernetesStep = minorStep(kubernetesFrom, kubernetesTo);
  if (compareVersions(kubernetesTo, kubernetesFrom) < 0) {
    problems.push({
      path: ["kubernetesVersion"],
      message: `${target.kubernetesVersion} is older than the ${current.kubernetesVersion} the cluster runs — Kubernetes does not downgrade`,
    });
  } else if (kubernetesStep > 1) {
    problems.push({
      path: ["kubernetesVersion"],
      message: `${target.kubernetesVersion} is ${kubernetesStep} minor releases ahead of the ${current.kubernetesVersion} the cluster runs — Kubernetes upgrades one minor at a time: go to ${nextMinor(kubernetesFrom)}.x first`,
    });
  }
  return problems;
}

/** How many minor releases `to` is ahead of `from` (0 within a minor; negative when behind). */
function minorStep(from: Version, to: Version): number {
  if (to.major === from.major) return to.minor - from.minor;
  // A new major follows the last minor of the one before: v1.x to v2.0 is one step.
  if (to.major === from.major + 1) return to.minor + 1;
  return to.major > from.major ? Number.POSITIVE_INFINITY : -1;
}

function nextMinor(version: Version): string {
  return `${version.major}.${version.minor + 1}`;
}
