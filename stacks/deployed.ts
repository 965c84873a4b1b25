import * as pulumi from "@pulumi/pulumi";
import { projectStackReference } from "./telemetry-hub";
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
  /** Whether tuppr ran the cluster's upgrades (the `upgrades` component). */
  readonly upgrades: boolean;
  /** The nodes the cluster had. */
  readonly nodes: readonly string[];
  /** Where each Proxmox node's VM is: its host and VM id, by node name. */
  readonly vms: Readonly<Record<string, { readonly host: string; readonly vmId: number }>>;
  /**
   * What the cluster ran of the observability: the hub's stores, a spoke's collectors, or nothing.
   * Absent in records of an older homelab-platform.
   */
  readonly observability?: Observability;
}

/** A cluster's part in observability, as `platform.lgtm` makes it. */
export type Observability = "hub" | "spoke" | "off";

/** The cluster's part in observability, from its inventory. */
export function observabilityOf(inventory: ClusterInventory): Observability {
  return inventory.platform.lgtm.enabled ? inventory.platform.lgtm.role : "off";
}

/** The stack's state before this run: whether it was deployed at all, and its record if it has one. */
export interface PreviousDeployment {
  /** The stack has outputs: a cluster exists (or existed) for it. */
  readonly exists: boolean;
  /** Absent when the cluster was deployed by a homelab-platform that kept no record. */
  readonly record?: DeployedRecord;
}

/** The stack's own last outputs, through a StackReference to itself (`projectStackReference`). */
export async function previousDeployment(): Promise<PreviousDeployment> {
  const self = projectStackReference(pulumi.getStack());
  const [endpoint, deployed] = await Promise.all([
    self.getOutputDetails("apiEndpoint"),
    self.getOutputDetails("deployed"),
  ]);
  const record = asRecord(deployed.value ?? deployed.secretValue);
  return {
    exists: (endpoint.value ?? endpoint.secretValue) !== undefined || record !== undefined,
    record,
  };
}

function asRecord(value: unknown): DeployedRecord | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { cni, versions, upgrades, nodes, vms, observability } = value as {
    cni?: unknown;
    versions?: { talosVersion?: unknown; kubernetesVersion?: unknown };
    upgrades?: unknown;
    nodes?: unknown;
    vms?: unknown;
    observability?: unknown;
  };
  if (cni !== "cilium" && cni !== "flannel") return undefined;
  if (typeof versions?.talosVersion !== "string" || typeof versions.kubernetesVersion !== "string") {
    return undefined;
  }
  return {
    cni,
    versions: { talosVersion: versions.talosVersion, kubernetesVersion: versions.kubernetesVersion },
    upgrades: upgrades === true,
    nodes: Array.isArray(nodes) ? nodes.filter((node): node is string => typeof node === "string") : [],
    vms: Object.fromEntries(
      Object.entries(vms !== null && typeof vms === "object" ? (vms as Record<string, unknown>) : {}).flatMap(
        ([node, vm]) => {
          const { host, vmId } = (vm ?? {}) as { host?: unknown; vmId?: unknown };
          return typeof host === "string" && typeof vmId === "number" ? [[node, { host, vmId }]] : [];
        },
      ),
    ),
    ...(observability === "hub" || observability === "spoke" || observability === "off"
      ? { observability }
      : {}),
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
export function versionsMove(previous: PreviousDeployment, inventory: ClusterInventory): boolean {
  const versions = previous.record?.versions;
  return (
    versions !== undefined &&
    (versions.talosVersion !== inventory.talosVersion ||
      versions.kubernetesVersion !== inventory.kubernetesVersion)
  );
}

/**
 * Why the versions cannot move in this run as the stack file asks (`explicitVersions`: whether it names
 * `talosVersion` and `kubernetesVersion` itself):
 * - a cluster deployed before the record, whose versions the program cannot know, unless the stack file
 *   states what its nodes run;
 * - versions that move without tuppr, in the recorded deployment and in this one: nothing would upgrade
 *   the running nodes (and turning tuppr on in the same run would hold the very config change that lets
 *   it talk to Talos);
 * - a node joining while Kubernetes moves: its kubelet would be newer than the API servers until they
 *   are upgraded, which Kubernetes' version skew policy forbids.
 */
export function versionProblems(
  previous: PreviousDeployment,
  inventory: ClusterInventory,
  explicitVersions: boolean,
): Problem[] {
  if (previous.exists && !previous.record && !explicitVersions) {
    return [
      {
        path: ["talosVersion"],
        message:
          "is required, with kubernetesVersion, for a cluster deployed by an older homelab-platform — set both to what the nodes run (talosctl version, kubectl get nodes) and deploy that alone; bump them in a later change",
      },
    ];
  }
  const record = previous.record;
  if (!record || !versionsMove(previous, inventory)) return [];
  const problems: Problem[] = [];
  if (!record.upgrades || !inventory.platform.upgrades.enabled) {
    problems.push({
      path: ["platform", "upgrades", "enabled"],
      message: `${record.upgrades ? "is false while" : "was false in the last deployment, and"} the versions move (${record.versions.talosVersion} and ${record.versions.kubernetesVersion} to ${inventory.talosVersion} and ${inventory.kubernetesVersion}) — tuppr upgrades running nodes: turn it on and deploy that alone, then move the versions`,
    });
  }
  if (record.versions.kubernetesVersion !== inventory.kubernetesVersion) {
    const joining = inventory.nodes.filter((node) => !node.decommission && !record.nodes.includes(node.name));
    for (const node of joining) {
      problems.push({
        path: ["nodes", inventory.nodes.indexOf(node), "name"],
        message: `${node.name} joins while Kubernetes moves to ${inventory.kubernetesVersion} — its kubelet would be newer than the API servers until their upgrade; add it before or after the upgrade, in a change of its own`,
      });
    }
  }
  return problems;
}

/** Whether the running nodes' configs are held this run: the versions move, and tuppr moves them. */
export function upgradePending(previous: PreviousDeployment, inventory: ClusterInventory): boolean {
  return (
    versionsMove(previous, inventory) && previous.record!.upgrades && inventory.platform.upgrades.enabled
  );
}

/**
 * Why a running VM node cannot move: another Proxmox host or VM id would make a new VM while the old one
 * runs the node (same address), and delete the old one without a Talos reset. A node being
 * decommissioned may keep whatever it has; a node not in the record is new.
 */
export function vmProblems(previous: PreviousDeployment, inventory: ClusterInventory): Problem[] {
  const recorded = previous.record?.vms ?? {};
  return inventory.nodes.flatMap((node, index) => {
    const was = recorded[node.name];
    if (!was || node.decommission || node.host.kind !== "proxmox") return [];
    if (node.host.name === was.host && node.host.vmId === was.vmId) return [];
    const key = node.host.name !== was.host ? "name" : "vmId";
    return [
      {
        path: ["nodes", index, "host", key],
        message: `${node.name} runs as VM ${was.vmId} on Proxmox host ${was.host} — moving it would replace the VM under the running node: add a new node where you want it and decommission ${node.name} ("Replace a node")`,
      },
    ];
  });
}

/**
 * Why this run must not go ahead without the operator's word: it stops running the observability hub's
 * stores on a cluster that ran them (or, deployed by an older homelab-platform, may have: it kept no
 * record, and its default was the full stack). Pulumi would delete Loki, Mimir, Tempo and Grafana, and
 * with them Grafana's and MinIO's volumes, which hold the dashboards' state and every stored metric.
 * `platform.lgtm.dropStores: true` is that word.
 */
export function storesProblems(previous: PreviousDeployment, inventory: ClusterInventory): Problem[] {
  const now = observabilityOf(inventory);
  const { lgtm } = inventory.platform;
  if (now === "hub" || lgtm.dropStores || !previous.exists) return [];
  const was = previous.record?.observability;
  if (was !== undefined && was !== "hub") return [];
  const what =
    was === "hub"
      ? "this cluster runs the observability hub's stores"
      : "this cluster was deployed by an older homelab-platform, which ran the LGTM stores unless platform.lgtm.enabled was false, and kept no record of it";
  const change = now === "spoke" ? "as a spoke" : "with platform.lgtm off";
  return [
    {
      path: ["platform", "lgtm", now === "spoke" ? "role" : "enabled"],
      message: `${what} — ${change}, \`pulumi up\` deletes Loki, Mimir, Tempo and Grafana, with Grafana's and MinIO's volumes and the metrics in them (the StatefulSets' volumes stay behind, to delete by hand): back up what you need and set platform.lgtm.dropStores: true for this run (and remove it after), or keep it the hub`,
    },
  ];
}
