import { vmNodes, type ClusterInventory } from "../../inventory";
import { bootImageUrl, nodeClassOf, schematicIdPlaceholder } from "./talos-images";

/**
 * One Talos image on one Proxmox host: the `nocloud` ISO of a node class, downloaded from the Image
 * Factory onto the host's ISO storage once, whatever the number of VMs that boot from it.
 */
export interface ProxmoxImagePlan {
  /** `<host>-<node class>`: resource names and the VMs' reference. */
  readonly key: string;
  readonly host: string;
  /** The Proxmox node the file lands on. */
  readonly proxmoxNode: string;
  readonly datastoreId: string;
  readonly fileName: string;
  /** The Image Factory URL, `<schematic-id>` standing in until the schematic exists. */
  readonly url: string;
}

/** One VM, as the program creates it (`proxmoxve.VmLegacy`) and render shows it. */
export interface ProxmoxVmPlan {
  /** The Talos node's name, and the VM's (Talos takes its hostname from its HostnameConfig). */
  readonly name: string;
  readonly host: string;
  readonly proxmoxNode: string;
  readonly vmId: number;
  readonly cores: number;
  /** MiB. */
  readonly memory: number;
  /** GiB. */
  readonly diskSize: number;
  readonly diskStorage: string;
  readonly bridge: string;
  readonly vlanTag?: number;
  readonly macAddress?: string;
  /** The ISO the VM boots from until Talos is installed: a `ProxmoxImagePlan.key`. */
  readonly image: string;
  /** The NoCloud drive's network: the node's static address, its LAN's gateway and the resolvers. */
  readonly address: string;
  readonly gateway: string;
  readonly nameservers: readonly string[];
  /**
   * Whether the VM runs: false for a decommissioning node, which its reset powered off, so that a
   * refresh does not start it again into a wiped maintenance mode.
   */
  readonly started: boolean;
}

/**
 * An ISO's download, as `proxmoxve.download.File` takes it. The URL names a fixed version and schematic:
 * it is never downloaded again because the server's answer about its size changed (`overwrite: false`).
 */
export function isoDownloadArgs(image: ProxmoxImagePlan, schematicId: string = schematicIdPlaceholder) {
  return {
    contentType: "iso",
    nodeName: image.proxmoxNode,
    datastoreId: image.datastoreId,
    fileName: image.fileName,
    url: image.url.replace(schematicIdPlaceholder, schematicId),
    overwrite: false,
  };
}

/** The volume id Proxmox gives a downloaded ISO: `<storage>:iso/<file>`. */
export function isoFileId(image: ProxmoxImagePlan): string {
  return `${image.datastoreId}:iso/${image.fileName}`;
}

export interface ProxmoxPlan {
  readonly images: readonly ProxmoxImagePlan[];
  readonly vms: readonly ProxmoxVmPlan[];
}

/**
 * The Proxmox side of a cluster: an ISO per host and node class, a VM per Proxmox node (decommissioning
 * ones too: their VM still exists until the entry is deleted).
 *
 * The ISO is the one of the cluster's config contract (`talosConfigContract`), not of `talosVersion`: it
 * only boots a new VM into maintenance mode, and the machine config's installer installs the target
 * version, so a version bump neither downloads nor re-attaches anything. `schematicIdOf` gives a node
 * class's schematic id (render: the `<schematic-id>` placeholder).
 */
export function proxmoxPlan(
  inventory: ClusterInventory,
  schematicIdOf: (extensions: readonly string[]) => string = () => schematicIdPlaceholder,
): ProxmoxPlan {
  const prefix = inventory.network.subnet.split("/")[1];
  const images = new Map<string, ProxmoxImagePlan>();
  const vms = vmNodes(inventory).map((vm): ProxmoxVmPlan => {
    const nodeClass = nodeClassOf(vm.node);
    const key = `${vm.host.name}-${nodeClass.name}`;
    if (!images.has(key)) {
      images.set(key, {
        key,
        host: vm.host.name,
        proxmoxNode: vm.host.node,
        datastoreId: vm.isoStorage,
        // Each cluster's own: clusters sharing a host must not manage (or, on removal, delete) each
        // other's files.
        fileName: `talos-${inventory.name}-${inventory.talosConfigContract}-${nodeClass.name}-amd64.iso`,
        url: bootImageUrl(nodeClass, inventory.talosConfigContract, schematicIdOf(nodeClass.extensions)),
      });
    }
    return {
      name: vm.node.name,
      host: vm.host.name,
      proxmoxNode: vm.host.node,
      vmId: vm.vmId,
      cores: vm.cores,
      memory: vm.memory,
      diskSize: vm.diskSize,
      diskStorage: vm.diskStorage,
      bridge: vm.network.bridge,
      ...(vm.network.vlanTag === undefined ? {} : { vlanTag: vm.network.vlanTag }),
      ...(vm.macAddress === undefined ? {} : { macAddress: vm.macAddress }),
      image: key,
      address: `${vm.node.address}/${prefix}`,
      gateway: inventory.network.gateway,
      nameservers: [...inventory.network.nameservers],
      started: !vm.node.decommission,
    };
  });
  return { images: [...images.values()], vms };
}
