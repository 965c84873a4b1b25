import { stringify } from "yaml";
import type { KubeletHostMount } from "../../constructs/local-path-storage";
import { platformNamespaces, type ClusterInventory, type ClusterNode } from "../../inventory";
import { installerImage, nodeClassOf, schematicIdPlaceholder } from "./talos-images";

/** KubePrism: an in-node load balancer for the API, so nodes survive a control plane going away. */
const kubePrismPort = 7445;

export interface TalosPatchOptions {
  /** Host directories to mount into the kubelet. @default none */
  readonly hostMounts?: readonly KubeletHostMount[];
  /** Stands in the installer image for the schematic id. @default "<schematic-id>" */
  readonly schematicId?: string;
}

/** A Talos machine-config document: a multi-document kind, or the `v1alpha1` patch. */
export type TalosDocument = Record<string, unknown>;

/**
 * The patch documents that turn the generic config of a machine type into this node's: a
 * `v1alpha1` patch for install, kubelet, labels and the cluster-wide settings, then its name,
 * static address, the VIP on control planes, DNS and time as documents of their own.
 */
export function nodePatches(
  inventory: ClusterInventory,
  node: ClusterNode,
  options: TalosPatchOptions = {},
): TalosDocument[] {
  const { network } = inventory;
  const prefix = network.subnet.split("/")[1];
  const documents: TalosDocument[] = [
    machinePatch(inventory, node, options),
    { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: node.name },
    {
      apiVersion: "v1alpha1",
      kind: "LinkConfig",
      name: node.interface,
      addresses: [{ address: `${node.address}/${prefix}` }],
      routes: [{ gateway: network.gateway }],
    },
  ];
  if (node.role === "controlplane") {
    documents.push({
      apiVersion: "v1alpha1",
      kind: "Layer2VIPConfig",
      name: network.vip,
      link: node.interface,
    });
  }
  documents.push(
    {
      apiVersion: "v1alpha1",
      kind: "ResolverConfig",
      nameservers: network.nameservers.map((address) => ({ address })),
    },
    { apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: [...network.ntpServers] } },
  );
  return documents;
}

function machinePatch(
  inventory: ClusterInventory,
  node: ClusterNode,
  options: TalosPatchOptions,
): TalosDocument {
  const { network } = inventory;
  const isControlPlane = node.role === "controlplane";
  const hostMounts = options.hostMounts ?? [];
  const machine: Record<string, unknown> = {
    install: {
      disk: node.installDisk,
      image: installerImage(
        nodeClassOf(node),
        inventory.talosVersion,
        options.schematicId ?? schematicIdPlaceholder,
      ),
    },
    kubelet: {
      nodeIP: { validSubnets: [network.subnet] },
      ...(hostMounts.length > 0
        ? {
            extraMounts: hostMounts.map((mount) => ({
              destination: mount.destination,
              type: "bind",
              source: mount.source,
              options: [...mount.options],
            })),
          }
        : {}),
    },
    ...(node.zone !== undefined ? { nodeLabels: { "topology.kubernetes.io/zone": node.zone } } : {}),
    features: {
      kubePrism: { enabled: true, port: kubePrismPort },
      // tuppr's upgrade runs talk to Talos from its namespace; Talos allows this on control planes only,
      // which proxy the other nodes' calls.
      ...(isControlPlane && inventory.platform.upgrades.enabled
        ? {
            kubernetesTalosAPIAccess: {
              enabled: true,
              allowedRoles: ["os:admin"],
              allowedKubernetesNamespaces: [platformNamespaces.upgrades],
            },
          }
        : {}),
    },
  };
  // With Cilium, Talos installs no CNI and no kube-proxy: the program installs Cilium, which replaces both.
  const cilium = network.cni === "cilium";
  const cluster: Record<string, unknown> = {
    network: {
      cni: { name: cilium ? "none" : "flannel" },
      podSubnets: [network.podCidr],
      serviceSubnets: [network.serviceCidr],
    },
    ...(cilium ? { proxy: { disabled: true } } : {}),
  };
  if (isControlPlane) {
    cluster.apiServer = { certSANs: [network.vip, ...(network.apiHostname ? [network.apiHostname] : [])] };
    if (inventory.controlPlanesRunWorkloads) cluster.allowSchedulingOnControlPlanes = true;
  }
  return { machine, cluster };
}

/**
 * Documents as one multi-document YAML string: the form `configPatches` and `out/` take. YAML 1.1
 * rules quote scalars such as `off` that an older parser would read as booleans.
 */
export function talosYaml(documents: readonly TalosDocument[]): string {
  return documents.map((document) => stringify(document, { lineWidth: 0, version: "1.1" })).join("---\n");
}
