import {
  cidrRange,
  formatRange,
  fromNumber,
  poolEntryRange,
  rangeContains,
  rangeHas,
  rangesOverlap,
  toNumber,
  type AddressRange,
} from "../addresses";
import { activeControlPlanes, controlPlaneNodes } from "../derive";
import type { Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/** Addresses in the node LAN, their owners and the checks between them. */
export function checkNetwork(inventory: ClusterInventory): Problem[] {
  const { network, nodes } = inventory;
  const subnet = cidrRange(network.subnet);
  const problems: Problem[] = [];

  // The network and broadcast addresses of the subnet belong to no host.
  const usable = (address: string) => {
    const n = toNumber(address);
    return subnet.first < n && n < subnet.last;
  };
  const requireHostAddress = (address: string, path: Problem["path"], what: string) => {
    if (!usable(address)) {
      problems.push({
        path,
        message: `${address} is not a host address of the node subnet ${network.subnet} — ${what} needs an address inside ${formatRange({ first: subnet.first + 1, last: subnet.last - 1 })}`,
      });
      return false;
    }
    return true;
  };

  // A /31 or /32 has no host range to speak of: report the subnet alone, not every address in it.
  const prefix = Number(network.subnet.split("/")[1]);
  const subnetUsable = prefix <= smallestSubnetPrefix;
  if (!subnetUsable) {
    const size = 2 ** (32 - prefix);
    problems.push({
      path: ["network", "subnet"],
      message: `${network.subnet} is too small for a node LAN — a /${prefix} holds ${size} address${size === 1 ? "" : "es"} and no range of host addresses for the router, the API VIP, the nodes and the MetalLB pool; use a /${smallestSubnetPrefix} or larger, usually a /24 such as 192.168.10.0/24`,
    });
  }

  if (subnetUsable) requireHostAddress(network.gateway, ["network", "gateway"], "the LAN router");

  if (subnetUsable && requireHostAddress(network.vip, ["network", "vip"], "the API VIP")) {
    if (network.vip === network.gateway) {
      problems.push({
        path: ["network", "vip"],
        message: `${network.vip} is the LAN router's address — the VIP needs an unused address in ${network.subnet}`,
      });
    }
    const holder = nodes.find((node) => node.address === network.vip);
    if (holder) {
      problems.push({
        path: ["network", "vip"],
        message: `${network.vip} is the address of node ${holder.name} — the VIP floats between control planes and needs an address no node has`,
      });
    }
  }

  const firstWithAddress = new Map<string, number>();
  const firstWithName = new Map<string, number>();
  nodes.forEach((node, index) => {
    const addressPath = ["nodes", index, "address"];
    if (
      subnetUsable &&
      requireHostAddress(node.address, addressPath, `node ${node.name}`) &&
      node.address === network.gateway
    ) {
      problems.push({
        path: addressPath,
        message: `${node.address} is the LAN router's address — give node ${node.name} an address of its own`,
      });
    }
    const earlier = firstWithAddress.get(node.address);
    if (earlier === undefined) firstWithAddress.set(node.address, index);
    else {
      problems.push({
        path: addressPath,
        message: `${node.address} is already the address of nodes[${earlier}] (${nodes[earlier].name}) — every node needs its own address`,
      });
    }
    const sameName = firstWithName.get(node.name);
    if (sameName === undefined) firstWithName.set(node.name, index);
    else {
      problems.push({
        path: ["nodes", index, "name"],
        message: `"${node.name}" is already the name of nodes[${sameName}] — node names are hostnames and must be unique`,
      });
    }
  });

  if (subnetUsable) {
    problems.push(...checkPool(inventory, subnet));
    problems.push(...checkGatewayAddresses(inventory));
    network.nameservers.forEach((address, index) => {
      const n = toNumber(address);
      if (n === subnet.first || n === subnet.last) {
        problems.push({
          path: ["network", "nameservers", index],
          message: `${address} is the ${n === subnet.first ? "network" : "broadcast"} address of the node subnet ${network.subnet} — no resolver answers on it; name the LAN's resolver, such as ${network.gateway}`,
        });
      }
    });
  }
  problems.push(...checkOverlayNetworks(inventory));
  problems.push(...checkControlPlaneCount(inventory));

  return problems;
}

/** The smallest node subnet: a /30 still has two host addresses; a /31 or /32 has none to spare. */
const smallestSubnetPrefix = 30;

/**
 * etcd quorum, counted over the control planes that stay, and control planes leaving one at a
 * time: Pulumi deletes unrelated resources in parallel, so two decommissioned in one run would be
 * reset at once, each leaving etcd while the other is leaving.
 */
function checkControlPlaneCount(inventory: ClusterInventory): Problem[] {
  const { nodes } = inventory;
  const problems: Problem[] = [];
  const controlPlanes = activeControlPlanes(inventory);
  const leaving = controlPlaneNodes(inventory).filter((node) => node.decommission);
  const [first, ...others] = leaving;
  for (const node of others) {
    problems.push({
      path: ["nodes", nodes.indexOf(node), "decommission"],
      message: `decommissions control plane ${node.name} while ${first.name} is decommissioned too — Pulumi would reset both at once, each leaving etcd while the other is leaving; decommission control planes one per \`pulumi up\`: keep decommission: true on ${first.name} alone, and set it on ${node.name} once ${first.name}'s entry is deleted`,
    });
  }
  if (controlPlanes.length === 0 && leaving.length > 0) {
    const last = leaving[leaving.length - 1];
    problems.push({
      path: ["nodes", nodes.indexOf(last), "decommission"],
      message: `would decommission every control plane (${leaving.map((node) => node.name).join(", ")}) — the cluster would lose etcd and its API; keep at least one, and add its replacement before removing the last`,
    });
  } else if (controlPlanes.length === 0) {
    problems.push({
      path: ["nodes"],
      message: "no node has role controlplane — a cluster needs an odd number of control planes: 1, 3 or 5",
    });
  } else if (controlPlanes.length % 2 === 0 && leaving.length !== 1) {
    // While exactly one control plane leaves, an even count is the way between two odd ones
    // (3 → 2 while it leaves; the next change deletes its entry and decommissions the next).
    problems.push({
      path: ["nodes"],
      message: `${controlPlanes.length} control planes (${controlPlanes.map((node) => node.name).join(", ")}) is an even number${leaving.length > 0 ? ` once ${leaving.map((node) => node.name).join(", ")} ${leaving.length === 1 ? "is" : "are"} decommissioned` : ""} — etcd keeps quorum with an odd number: 1, 3 or 5`,
    });
  }

  return problems;
}

function checkPool(inventory: ClusterInventory, subnet: AddressRange): Problem[] {
  const { network, nodes } = inventory;
  const problems: Problem[] = [];
  const taken: { address: string; owner: string }[] = [
    { address: network.gateway, owner: "the LAN router" },
    { address: network.vip, owner: "the API VIP" },
    ...nodes.map((node) => ({ address: node.address, owner: `node ${node.name}` })),
    ...network.nameservers.map((address) => ({ address, owner: "a nameserver" })),
  ];
  const ranges: AddressRange[] = [];
  network.loadBalancerPool.forEach((entry, index) => {
    const path = ["network", "loadBalancerPool", index];
    const range = poolEntryRange(entry) as AddressRange;
    if (!rangeContains(subnet, range)) {
      problems.push({
        path,
        message: `${entry} reaches outside the node subnet ${network.subnet} — MetalLB answers ARP on the LAN, so the pool must lie inside it`,
      });
    }
    const edges = [
      { n: subnet.first, what: "network address" },
      { n: subnet.last, what: "broadcast address" },
    ].filter(({ n }) => rangeContains(subnet, range) && range.first <= n && n <= range.last);
    for (const edge of edges) {
      problems.push({
        path,
        message: `${entry} contains ${fromNumber(edge.n)}, the ${edge.what} of ${network.subnet} — no host can answer on it; keep the pool inside ${formatRange({ first: subnet.first + 1, last: subnet.last - 1 })}`,
      });
    }
    const clash = taken.find(({ address }) => rangeHas(range, address));
    if (clash) {
      problems.push({
        path,
        message: `${entry} contains ${clash.address}, the address of ${clash.owner} — the pool must hold only addresses nothing else uses`,
      });
    }
    const overlapping = ranges.findIndex((other) => rangesOverlap(other, range));
    if (overlapping >= 0) {
      problems.push({
        path,
        message: `${entry} overlaps network.loadBalancerPool[${overlapping}] (${network.loadBalancerPool[overlapping]}) — pool entries must not overlap`,
      });
    }
    ranges.push(range);
  });
  return problems;
}

function checkGatewayAddresses(inventory: ClusterInventory): Problem[] {
  const { network, gateways } = inventory;
  const pool = network.loadBalancerPool.map((entry) => poolEntryRange(entry) as AddressRange);
  const problems: Problem[] = [];
  const subnet = cidrRange(network.subnet);
  for (const which of ["internal", "public"] as const) {
    const address = gateways[which];
    const n = toNumber(address);
    if (n === subnet.first || n === subnet.last) {
      problems.push({
        path: ["gateways", which],
        message: `${address} is the ${n === subnet.first ? "network" : "broadcast"} address of ${network.subnet} — the ${which} gateway needs a host address from the pool`,
      });
    } else if (!pool.some((range) => rangeHas(range, address))) {
      problems.push({
        path: ["gateways", which],
        message: `${address} is not in the MetalLB pool (${network.loadBalancerPool.join(", ")}) — the ${which} gateway's Service takes its address from the pool`,
      });
    }
  }
  if (gateways.internal === gateways.public) {
    problems.push({
      path: ["gateways", "public"],
      message: `${gateways.public} is also the internal gateway's address — the two gateways need different addresses`,
    });
  }
  return problems;
}

function checkOverlayNetworks(inventory: ClusterInventory): Problem[] {
  const { network } = inventory;
  const lan = cidrRange(network.subnet);
  const pods = cidrRange(network.podCidr);
  const services = cidrRange(network.serviceCidr);
  const problems: Problem[] = [];
  if (rangesOverlap(pods, lan)) {
    problems.push({
      path: ["network", "podCidr"],
      message: `${network.podCidr} overlaps the node subnet ${network.subnet} — pods need a range of their own, such as 10.244.0.0/16`,
    });
  }
  if (rangesOverlap(services, lan)) {
    problems.push({
      path: ["network", "serviceCidr"],
      message: `${network.serviceCidr} overlaps the node subnet ${network.subnet} — services need a range of their own, such as 10.96.0.0/12`,
    });
  }
  if (rangesOverlap(services, pods)) {
    problems.push({
      path: ["network", "serviceCidr"],
      message: `${network.serviceCidr} overlaps the pod network ${network.podCidr} — pod and service networks must be disjoint`,
    });
  }
  problems.push(...checkOverlaySizes(inventory));
  network.nameservers.forEach((address, index) => {
    const path = ["network", "nameservers", index];
    if (address === network.vip && network.vip !== network.gateway) {
      problems.push({
        path,
        message: `${address} is the API VIP — nodes need their DNS before the VIP exists; name the LAN's resolver, such as ${network.gateway}`,
      });
    }
    for (const [cidr, what] of [
      [network.serviceCidr, "service network"],
      [network.podCidr, "pod network"],
    ] as const) {
      // An overlay that overlaps the LAN is reported already; its nameservers follow from that.
      if (!rangesOverlap(cidrRange(cidr), lan) && rangeHas(cidrRange(cidr), address)) {
        problems.push({
          path,
          message: `${address} lies in the ${what} ${cidr} — nodes resolve names before Kubernetes runs, so their resolver must be on the LAN, such as ${network.gateway}`,
        });
      }
    }
  });
  return problems;
}

/** Kubernetes' controller-manager gives every node a /24 of the pod network (its default mask size). */
const podPrefixPerNode = 24;
/** kube-apiserver refuses a service range larger than a /12 (20 host bits). */
const largestServicePrefix = 12;
/**
 * Talos puts cluster DNS at the tenth service address and the platform alone runs dozens of
 * Services; a /24 leaves room for them and the apps.
 */
const smallestServicePrefix = 24;

function checkOverlaySizes(inventory: ClusterInventory): Problem[] {
  const { network, nodes } = inventory;
  const problems: Problem[] = [];
  const podPrefix = Number(network.podCidr.split("/")[1]);
  if (podPrefix > podPrefixPerNode) {
    problems.push({
      path: ["network", "podCidr"],
      message: `${network.podCidr} is smaller than the /${podPrefixPerNode} Kubernetes gives each node — use a /${podPrefixPerNode} or larger, such as 10.244.0.0/16`,
    });
  } else {
    const nodeSlots = 2 ** (podPrefixPerNode - podPrefix);
    if (nodeSlots < nodes.length) {
      const needed = podPrefixPerNode - Math.ceil(Math.log2(nodes.length));
      problems.push({
        path: ["network", "podCidr"],
        message: `${network.podCidr} has room for ${nodeSlots} node${nodeSlots === 1 ? "" : "s"} (a /${podPrefixPerNode} each) but the cluster has ${nodes.length} — use a /${needed} or larger, such as 10.244.0.0/16`,
      });
    }
  }
  const servicePrefix = Number(network.serviceCidr.split("/")[1]);
  if (servicePrefix < largestServicePrefix) {
    problems.push({
      path: ["network", "serviceCidr"],
      message: `${network.serviceCidr} is larger than the API server allows — at most a /${largestServicePrefix}, such as 10.96.0.0/12`,
    });
  } else if (servicePrefix > smallestServicePrefix) {
    problems.push({
      path: ["network", "serviceCidr"],
      message: `${network.serviceCidr} is too small for the cluster's Services — use a /${smallestServicePrefix} or larger, such as 10.96.0.0/12`,
    });
  }
  return problems;
}
