import {
  cidrRange,
  formatRange,
  fromNumber,
  poolEntryRange,
  rangeSize,
  toNumber,
  type AddressRange,
} from "./addresses";
import type { App, ClusterInventory, ClusterNode, Exposure, NodeHost, ProxmoxHost } from "./schema";

/** The namespace of each platform component; apps may not take them. */
export const platformNamespaces = {
  storage: "local-path-storage",
  metallb: "metallb-system",
  certManager: "cert-manager",
  envoyGateway: "envoy-gateway-system",
  cloudflared: "cloudflared",
  argocd: "argocd",
  lgtm: "monitoring",
  upgrades: "tuppr",
} as const;

export const reservedNamespaces: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  ...Object.values(platformNamespaces),
];

/** Every control plane in the inventory, decommissioning ones included (they still run). */
export function controlPlaneNodes(inventory: ClusterInventory): ClusterNode[] {
  return inventory.nodes.filter((node) => node.role === "controlplane");
}

/** Every worker in the inventory, decommissioning ones included (they still run). */
export function workerNodes(inventory: ClusterInventory): ClusterNode[] {
  return inventory.nodes.filter((node) => node.role === "worker");
}

/** The nodes that stay: every node not marked `decommission`. */
export function activeNodes(inventory: ClusterInventory): ClusterNode[] {
  return inventory.nodes.filter((node) => !node.decommission);
}

/** The control planes that stay, in inventory order: the etcd members after this run. */
export function activeControlPlanes(inventory: ClusterInventory): ClusterNode[] {
  return activeNodes(inventory).filter((node) => node.role === "controlplane");
}

/** The workers that stay, in inventory order. */
export function activeWorkers(inventory: ClusterInventory): ClusterNode[] {
  return activeNodes(inventory).filter((node) => node.role === "worker");
}

/**
 * The control plane etcd is bootstrapped on: the first one that is not decommissioned. Bootstrap
 * happens once per cluster; later changes of this choice never re-run it.
 */
export function bootstrapNode(inventory: ClusterInventory): ClusterNode | undefined {
  return activeControlPlanes(inventory)[0];
}

/** The nodes pods may be scheduled on; a decommissioning node is leaving and counts for nothing. */
export function schedulableNodes(inventory: ClusterInventory): ClusterNode[] {
  return inventory.controlPlanesRunWorkloads ? activeNodes(inventory) : activeWorkers(inventory);
}

/** Whether the cluster has a Cloudflare tunnel; validation ties it to the gateways being enabled. */
export function hasTunnel(inventory: ClusterInventory): boolean {
  return inventory.cloudflare !== undefined && inventory.platform.cloudflared.enabled;
}

export function enabledApps(inventory: ClusterInventory): App[] {
  return inventory.apps.filter((app) => app.enabled);
}

/** A hostname the cluster serves, whoever serves it. */
export interface Route {
  readonly host: string;
  readonly gateway: Exposure["gateway"];
  /** Whether Cloudflare Access guards it; always false for internal routes. */
  readonly access: boolean;
  /** The app, or the platform component, behind it. */
  readonly owner: string;
}

export function argocdHostname(inventory: ClusterInventory): string {
  return inventory.platform.argocd.hostname ?? `argocd.${inventory.domain}`;
}

export function grafanaHostname(inventory: ClusterInventory): string {
  return inventory.platform.lgtm.grafanaHostname ?? `grafana.${inventory.domain}`;
}

/** Where the hub's spokes send their telemetry, on its internal gateway. */
export function telemetryHostname(inventory: ClusterInventory): string {
  return inventory.platform.lgtm.telemetryHostname ?? `telemetry.${inventory.domain}`;
}

/** Whether the cluster runs Loki, Mimir, Tempo and Grafana (a hub, also of a lab of one cluster). */
export function isObservabilityHub(inventory: ClusterInventory): boolean {
  return inventory.platform.lgtm.enabled && inventory.platform.lgtm.role === "hub";
}

/**
 * Where a spoke finds the hub, and the hub's ingest as it serves it: the hostname on its internal gateway
 * (whose wildcard certificate it falls under) and that gateway's LAN address.
 */
export interface TelemetryHub {
  /** The hub's cluster name. */
  readonly cluster: string;
  readonly hostname: string;
  readonly address: string;
}

/**
 * A spoke's hub as its inventory states it (`platform.lgtm.hub: { hostname, address }`): the hub's
 * cluster is known only by that hostname. Undefined for a hub named by its stack, or no spoke.
 */
export function statedTelemetryHub(inventory: ClusterInventory): TelemetryHub | undefined {
  const hub = inventory.platform.lgtm.hub;
  if (inventory.platform.lgtm.role !== "spoke" || !hub?.hostname || !hub.address) return undefined;
  return { cluster: hub.hostname, hostname: hub.hostname, address: hub.address };
}

/** The hub a cluster is: its ingest endpoint, for its spokes. */
export function telemetryHubOf(hub: ClusterInventory): TelemetryHub {
  return { cluster: hub.name, hostname: telemetryHostname(hub), address: hub.gateways.internal };
}

/**
 * The tenants a hub stores: itself first, then its spokes in inventory order. Each tenant is named after
 * its cluster.
 */
export function telemetryTenants(hub: ClusterInventory): string[] {
  return [hub.name, ...hub.platform.lgtm.spokes];
}

/** The platform UIs reached through the internal gateway. */
export function platformRoutes(inventory: ClusterInventory): Route[] {
  const { argocd, lgtm, envoyGateway } = inventory.platform;
  const routes: Route[] = [];
  // The UIs are routed by the internal gateway; without it they are reached by port-forward only.
  if (!envoyGateway.enabled) return routes;
  if (argocd.enabled) {
    routes.push({ host: argocdHostname(inventory), gateway: "internal", access: false, owner: "argocd" });
  }
  if (lgtm.enabled && lgtm.role === "hub") {
    routes.push({ host: grafanaHostname(inventory), gateway: "internal", access: false, owner: "grafana" });
    if (lgtm.spokes.length > 0) {
      routes.push({
        host: telemetryHostname(inventory),
        gateway: "internal",
        access: false,
        owner: "telemetry",
      });
    }
  }
  return routes;
}

export function appRoutes(inventory: ClusterInventory): Route[] {
  return enabledApps(inventory).flatMap((app) =>
    app.expose.map((exposure) => ({
      host: exposure.host,
      gateway: exposure.gateway,
      access: exposure.access === true,
      owner: app.name,
    })),
  );
}

/** Every hostname the cluster serves, sorted by hostname. */
export function routes(inventory: ClusterInventory): Route[] {
  return [...platformRoutes(inventory), ...appRoutes(inventory)].sort((a, b) => a.host.localeCompare(b.host));
}

/** The port kube-apiserver listens on, on every control plane and so on the VIP. */
export const apiServerPort = 6443;

/** The Kubernetes API as clients reach it: through the control-plane VIP. */
export function apiEndpoint(inventory: ClusterInventory): string {
  return `https://${inventory.network.vip}:${apiServerPort}`;
}

/**
 * The Kubernetes API as NetworkPolicies must name it (the constructs' `KubernetesApiAccess`): pods reach
 * it at every control plane's address and at the VIP (under Cilium's kube-proxy replacement the
 * `kubernetes` Service is translated to a control plane before policy sees it); the API server calls
 * admission webhooks from the control planes' own addresses, and under Cilium's tunnel routing from a
 * control plane's router address in the pod network when the webhook pod runs on another node.
 * Decommissioning control planes still run.
 */
export function kubernetesApiAccess(inventory: ClusterInventory): {
  readonly addresses: readonly string[];
  readonly controlPlaneAddresses: readonly string[];
  readonly webhookCallerRanges: readonly string[];
  readonly port: number;
} {
  const controlPlaneAddresses = controlPlaneNodes(inventory).map((node) => node.address);
  return {
    addresses: [...controlPlaneAddresses, inventory.network.vip],
    controlPlaneAddresses,
    webhookCallerRanges: inventory.network.cni === "cilium" ? [inventory.network.podCidr] : [],
    port: apiServerPort,
  };
}

export function poolRanges(inventory: ClusterInventory): AddressRange[] {
  // The schema admits only entries that parse as ranges.
  return inventory.network.loadBalancerPool.map((entry) => poolEntryRange(entry) as AddressRange);
}

/**
 * The pool MetalLB may assign on its own: the configured pool without the gateways' addresses, which
 * are kept for the gateways alone.
 */
export function autoAssignedPool(inventory: ClusterInventory): string[] {
  const reserved = [inventory.gateways.internal, inventory.gateways.public]
    .map(toNumber)
    .sort((a, b) => a - b);
  return poolRanges(inventory).flatMap((range) => {
    const pieces: AddressRange[] = [];
    let first = range.first;
    for (const address of reserved.filter((n) => range.first <= n && n <= range.last)) {
      if (address > first) pieces.push({ first, last: address - 1 });
      first = address + 1;
    }
    if (first <= range.last) pieces.push({ first, last: range.last });
    return pieces.map((piece) =>
      piece.first === piece.last ? `${fromNumber(piece.first)}/32` : formatRange(piece),
    );
  });
}

/** One row of the IP plan: an address or range and what uses it. */
export interface AddressAssignment {
  readonly addresses: string;
  readonly use: string;
}

/** The cluster's LAN and overlay addresses, in address order within each part. */
export function ipPlan(inventory: ClusterInventory): AddressAssignment[] {
  const { network, gateways } = inventory;
  const subnetSize = rangeSize(cidrRange(network.subnet));
  const poolSize = poolRanges(inventory).reduce((sum, range) => sum + rangeSize(range), 0);
  return [
    { addresses: network.subnet, use: `node LAN (${subnetSize - 2} host addresses)` },
    { addresses: network.gateway, use: "LAN router (default route)" },
    { addresses: network.vip, use: "Kubernetes API VIP (control planes)" },
    ...inventory.nodes.map((node) => ({
      addresses: node.address,
      use: `node ${node.name} (${node.role}${node.decommission ? ", decommissioning" : ""})`,
    })),
    ...poolRanges(inventory).map((range) => ({
      addresses: formatRange(range),
      use: `MetalLB pool (${poolSize} addresses in all)`,
    })),
    {
      addresses: gateways.internal,
      use: "internal gateway (reserved in the pool: MetalLB gives it to nothing else)",
    },
    {
      addresses: gateways.public,
      use: "public gateway (reserved in the pool: MetalLB gives it to nothing else)",
    },
    { addresses: network.podCidr, use: "pod network" },
    { addresses: network.serviceCidr, use: "service network" },
  ];
}

/** The Proxmox hosts the inventory lists, defaults resolved (`node`, storages, bridge), in order. */
export function proxmoxHosts(inventory: ClusterInventory): ProxmoxHost[] {
  return inventory.proxmox.hosts;
}

/** The Proxmox hosts at least one node runs on: the ones the program needs an API token for. */
export function usedProxmoxHosts(inventory: ClusterInventory): ProxmoxHost[] {
  const used = new Set(
    inventory.nodes.flatMap((node) => (node.host.kind === "proxmox" ? [node.host.name] : [])),
  );
  return proxmoxHosts(inventory).filter((host) => used.has(host.name));
}

/** The network a VM's NIC joins: a bridge of its host, a VLAN tag or none, and the subnet it carries. */
export interface VmNetwork {
  readonly bridge: string;
  readonly vlanTag?: number;
  /** The bridge's subnet from the host's `bridges`, or else the node LAN. */
  readonly subnet: string;
}

type ProxmoxNodeHost = Extract<NodeHost, { kind: "proxmox" }>;

/**
 * Where a VM's NIC goes: with neither `bridge` nor `vlanTag` on the node, the host's bridge and VLAN
 * tag; a node's `bridge` alone joins that bridge untagged; a node's `vlanTag` alone tags the host's
 * bridge. The subnet is the one the host's `bridges` declares for that bridge and tag, or the node LAN.
 */
export function vmNetwork(inventory: ClusterInventory, host: ProxmoxHost, vm: ProxmoxNodeHost): VmNetwork {
  const bridge = vm.bridge ?? host.bridge;
  const vlanTag = vm.bridge === undefined && vm.vlanTag === undefined ? host.vlanTag : vm.vlanTag;
  const declared = host.bridges.find((entry) => entry.name === bridge && entry.vlanTag === vlanTag);
  return {
    bridge,
    ...(vlanTag === undefined ? {} : { vlanTag }),
    subnet: declared?.subnet ?? inventory.network.subnet,
  };
}

/** A node that is a Proxmox VM, with every setting the program needs to create it resolved. */
export interface VmNode {
  readonly node: ClusterNode;
  readonly host: ProxmoxHost;
  readonly vmId: number;
  readonly cores: number;
  /** MiB. */
  readonly memory: number;
  /** GiB. */
  readonly diskSize: number;
  /** Lower case; left out, Proxmox chooses one. */
  readonly macAddress?: string;
  readonly network: VmNetwork;
  /** Where the Talos ISO is uploaded and where the VM's disk lives: the host's storages. */
  readonly isoStorage: string;
  readonly diskStorage: string;
}

/**
 * Every node that is a Proxmox VM, decommissioning ones included (their VMs still exist), in
 * inventory order. Validation guarantees each names a host of `proxmox.hosts`.
 */
export function vmNodes(inventory: ClusterInventory): VmNode[] {
  const hosts = new Map(proxmoxHosts(inventory).map((host) => [host.name, host]));
  return inventory.nodes.flatMap((node) => {
    if (node.host.kind !== "proxmox") return [];
    const host = hosts.get(node.host.name);
    if (host === undefined) {
      throw new Error(
        `node ${node.name} runs on Proxmox host ${node.host.name}, which proxmox.hosts does not list`,
      );
    }
    const vm = node.host;
    return [
      {
        node,
        host,
        vmId: vm.vmId,
        cores: vm.cores,
        memory: vm.memory,
        diskSize: vm.diskSize,
        ...(vm.macAddress === undefined ? {} : { macAddress: vm.macAddress }),
        network: vmNetwork(inventory, host, vm),
        isoStorage: host.isoStorage,
        diskStorage: host.diskStorage,
      },
    ];
  });
}
