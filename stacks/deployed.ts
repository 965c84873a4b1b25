import * as pulumi from "@pulumi/pulumi";
import type { ClusterInventory, ClusterVersions, Problem } from "../inventory";

/**
 * What the last successful `pulumi up` of this stack left in its `deployed` output: the CNI the cluster
 * was created with, and the versions every node has been upgraded to. The program reads it back through a
 * StackReference to its own stack, since Talos cannot tell a running cluster's versions before the
 * cluster is reached, and the machine configs must know them first.
 */
export interface DeployedRecord {
  readonly cni: ClusterInventory["network"]["cni"];
  readonly versions: ClusterVersions;
}

/** The stack's state before this run: whether it was deployed at all, and its record if it has one. */
export interface PreviousDeployment {
  /** The stack has outputs: a cluster exists (or existed) for it. */
  readonly exists: boolean;
  /** Absent when the cluster was deployed by a homelab-platform that kept no record. */
  readonly record?: DeployedRecord;
}

/** The stack's own last outputs, through a StackReference to itself. */
export async function previousDeployment(): Promise<PreviousDeployment> {
  const self = new pulumi.StackReference(
    `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  );
  const [endpoint, deployed] = await Promise.all([
    self.getOutputDetails("apiEndpoint"),
    self.getOutputDetails("deployed"),
  ]);
  const record = asRecord(deployed.value);
  return { exists: endpoint.value !== undefined || record !== undefined, record };
}

function asRecord(value: unknown): DeployedRecord | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { cni, versions } = value as {
    cni?: unknown;
    versions?: { talosVersion?: unknown; kubernetesVersion?: unknown };
  };
  if ((cni !== "cilium" && cni !== "flannel") || typeof versions?.talosVersion !== "string") return undefined;
  if (typeof versions.kubernetesVersion !== "string") return undefined;
  return {
    cni,
    versions: { talosVersion: versions.talosVersion, kubernetesVersion: versions.kubernetesVersion },
  };
}

/**
 * Why this run must not go ahead on the cluster as deployed: a CNI other than the one it was created
 * with (Talos does not switch CNIs in place), or — for a cluster deployed before the record existed,
 * when it ran flannel by default — a CNI left to the new default. `explicitCni` is whether the stack file
 * names `network.cni`.
 */
export function cniProblems(
  previous: PreviousDeployment,
  inventory: ClusterInventory,
  explicitCni: boolean,
): Problem[] {
  const cni = inventory.network.cni;
  if (previous.record && previous.record.cni !== cni) {
    return [
      {
        path: ["network", "cni"],
        message: `${cni} differs from ${previous.record.cni}, which the cluster was created with — Talos does not switch CNIs in place: keep network.cni: ${previous.record.cni}, or build a new cluster`,
      },
    ];
  }
  if (previous.exists && !previous.record && !explicitCni) {
    return [
      {
        path: ["network", "cni"],
        message:
          "is required for a cluster deployed by an older homelab-platform, whose default was flannel — set network.cni: flannel (what it runs), or cilium for a new cluster",
      },
    ];
  }
  return [];
}

/** Whether this run moves the cluster to other versions than its nodes have been upgraded to. */
export function upgradePending(previous: PreviousDeployment, inventory: ClusterInventory): boolean {
  const versions = previous.record?.versions;
  return (
    versions !== undefined &&
    (versions.talosVersion !== inventory.talosVersion ||
      versions.kubernetesVersion !== inventory.kubernetesVersion)
  );
}
