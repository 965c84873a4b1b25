import { cidrRange, rangeHas } from "../addresses";
import { vmNetwork } from "../derive";
import type { Problem } from "../problems";
import type { ClusterInventory, ProxmoxHost } from "../schema";

/**
 * The Proxmox hosts and the VMs on them: hosts named once, every VM on a listed host, VM ids unique
 * where Proxmox needs them unique, MAC addresses unique in the cluster, and each VM's address inside
 * the subnet of the bridge it joins.
 *
 * VM ids are unique per host, and across hosts reached through the same API endpoint: those are
 * nodes of one Proxmox cluster, which numbers its VMs once. Ids are not compared across stacks — two
 * clusters on the same hosts need id ranges of their own.
 */
export function checkProxmox(inventory: ClusterInventory): Problem[] {
  const { nodes, network } = inventory;
  const hosts = inventory.proxmox.hosts;
  const problems: Problem[] = [...checkHosts(hosts)];

  const byName = new Map<string, ProxmoxHost>();
  for (const host of hosts) if (!byName.has(host.name)) byName.set(host.name, host);
  const listed = hosts.map((host) => host.name);
  const lan = cidrRange(network.subnet);

  /** VM ids taken per id space (an API endpoint), each with the node index that took it. */
  const vmIds = new Map<string, Map<number, number>>();
  const macs = new Map<string, number>();

  nodes.forEach((node, index) => {
    if (node.host.kind !== "proxmox") return;
    const vm = node.host;
    const host = byName.get(vm.name);
    if (host === undefined) {
      problems.push({
        path: ["nodes", index, "host", "name"],
        message:
          listed.length === 0
            ? `"${vm.name}" is not a Proxmox host of the cluster — proxmox.hosts lists none; add it there with its API endpoint, such as {name: ${vm.name}, endpoint: https://${vm.name}.lan:8006/}`
            : `"${vm.name}" is not a Proxmox host of the cluster — proxmox.hosts lists ${listed.join(", ")}; name one of those, or add ${vm.name} there with its API endpoint`,
      });
    } else {
      const space = idSpace(host);
      const taken = vmIds.get(space) ?? new Map<number, number>();
      vmIds.set(space, taken);
      const other = taken.get(vm.vmId);
      if (other === undefined) taken.set(vm.vmId, index);
      else {
        const first = nodes[other];
        const otherHost = first.host.kind === "proxmox" ? first.host.name : host.name;
        let free = vm.vmId + 1;
        while (taken.has(free)) free += 1;
        const where =
          otherHost === host.name
            ? `on Proxmox host ${host.name} — VM ids are unique on a host`
            : `on Proxmox host ${otherHost}, reached through the same API as ${host.name} (${host.endpoint}) — the hosts of one Proxmox cluster number their VMs once`;
        problems.push({
          path: ["nodes", index, "host", "vmId"],
          message: `${vm.vmId} is already the VM id of nodes[${other}] (${first.name}) ${where}: give ${node.name} another, such as ${free}`,
        });
      }

      // An address outside the node LAN is reported by the network checks already.
      if (rangeHas(lan, node.address)) {
        const net = vmNetwork(inventory, host, vm);
        if (!rangeHas(cidrRange(net.subnet), node.address)) {
          const bridge = `bridge ${net.bridge}${net.vlanTag === undefined ? " (untagged)" : ` (VLAN ${net.vlanTag})`}`;
          problems.push({
            path: ["nodes", index, "address"],
            message: `${node.address} is outside ${net.subnet}, the subnet of ${bridge} on Proxmox host ${host.name} — a VM's address must lie in the subnet of the bridge it joins: put ${node.name} on a bridge that carries the node LAN ${network.subnet} (the node's host.bridge and host.vlanTag), or correct proxmox.hosts[${hosts.indexOf(host)}].bridges`,
          });
        }
      }
    }

    if (vm.macAddress !== undefined) {
      const other = macs.get(vm.macAddress);
      if (other === undefined) macs.set(vm.macAddress, index);
      else {
        problems.push({
          path: ["nodes", index, "host", "macAddress"],
          message: `${vm.macAddress} is already the MAC address of nodes[${other}] (${nodes[other].name}) — every NIC on the LAN needs its own; change one, or leave macAddress out for Proxmox to choose`,
        });
      }
    }
  });
  return problems;
}

/** Hosts reached through the same API are one Proxmox cluster: the API's origin names the id space. */
function idSpace(host: ProxmoxHost): string {
  return new URL(host.endpoint).origin;
}

function checkHosts(hosts: readonly ProxmoxHost[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  const servers = new Map<string, number>();
  hosts.forEach((host, index) => {
    const at = ["proxmox", "hosts", index];
    const sameName = names.get(host.name);
    if (sameName === undefined) names.set(host.name, index);
    else {
      problems.push({
        path: [...at, "name"],
        message: `"${host.name}" is already the name of proxmox.hosts[${sameName}] — every Proxmox host needs its own name`,
      });
    }
    const server = `${idSpace(host)} ${host.node}`;
    const sameServer = servers.get(server);
    if (sameServer === undefined) servers.set(server, index);
    else if (sameName === undefined) {
      problems.push({
        path: [...at, "node"],
        message: `Proxmox node ${host.node} at ${host.endpoint} is already proxmox.hosts[${sameServer}] (${hosts[sameServer].name}) — list each Proxmox node once; hosts of one Proxmox cluster differ in node`,
      });
    }
    const bridges = new Map<string, number>();
    host.bridges.forEach((bridge, bridgeIndex) => {
      const key = `${bridge.name} ${bridge.vlanTag ?? ""}`;
      const same = bridges.get(key);
      if (same === undefined) bridges.set(key, bridgeIndex);
      else {
        const which = `${bridge.name}${bridge.vlanTag === undefined ? " (untagged)" : ` with VLAN ${bridge.vlanTag}`}`;
        problems.push({
          path: [...at, "bridges", bridgeIndex],
          message: `${which} is already listed at proxmox.hosts[${index}].bridges[${same}] — each bridge and VLAN tag carries one subnet; list it once`,
        });
      }
    });
  });
  return problems;
}
