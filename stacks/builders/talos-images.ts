import { stringify } from "yaml";
import type { ClusterInventory, ClusterNode } from "../../inventory";

/** The public Image Factory; the provider's `imageFactoryUrl` defaults to it too. */
export const imageFactoryHost = "factory.talos.dev";

/** Stands for an Image Factory schematic id in rendered output; the real one exists after apply. */
export const schematicIdPlaceholder = "<schematic-id>";

/** Proxmox VMs need the guest agent so Proxmox can see their addresses and shut them down cleanly. */
const proxmoxExtensions = ["siderolabs/qemu-guest-agent"];

/**
 * Nodes that boot the same image: one Image Factory platform and one set of system extensions.
 * Proxmox VMs use `nocloud`, so the VM's cloud-init drive gives them their address from first boot;
 * bare metal uses `metal`.
 */
export interface NodeClass {
  /** Stable name, e.g. `metal-i915-intel-ucode`, used for resource names and the README. */
  readonly name: string;
  readonly platform: "metal" | "nocloud";
  /** Sorted and unique. */
  readonly extensions: readonly string[];
}

export function nodeClassOf(node: ClusterNode): NodeClass {
  const platform = node.host.kind === "proxmox" ? "nocloud" : "metal";
  const wanted = node.host.kind === "proxmox" ? [...node.extensions, ...proxmoxExtensions] : node.extensions;
  const extensions = [...new Set(wanted)].sort();
  const suffix = extensions.map(extensionKey).join("-");
  return { name: suffix ? `${platform}-${suffix}` : platform, platform, extensions };
}

/** The distinct node classes of a cluster, sorted by name. */
export function nodeClasses(inventory: ClusterInventory): NodeClass[] {
  const byName = new Map(inventory.nodes.map((node) => nodeClassOf(node)).map((c) => [c.name, c]));
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The schematic the Image Factory builds images from. Its id is a hash of this text, so nodes
 * with the same extensions share one schematic whatever their platform.
 */
export function schematicYaml(extensions: readonly string[]): string {
  return stringify({ customization: { systemExtensions: { officialExtensions: [...extensions] } } });
}

/** The key that nodes sharing one schematic have in common. */
export function schematicKey(extensions: readonly string[]): string {
  return extensions.length === 0 ? "vanilla" : extensions.map(extensionKey).join("-");
}

/**
 * An extension in file and resource names: the official `siderolabs/<name>` by its name, any other
 * owner's with the owner kept, so that two owners' extensions of one name never share a schematic.
 */
function extensionKey(extension: string): string {
  const [owner, name] = extension.split("/");
  return owner === "siderolabs" ? name : `${owner}-${name}`;
}

export function installerImage(nodeClass: NodeClass, talosVersion: string, schematicId: string): string {
  return `${imageFactoryHost}/${nodeClass.platform}-installer/${schematicId}:${talosVersion}`;
}

/** The ISO a node of this class boots to install Talos (amd64). */
export function bootImageUrl(nodeClass: NodeClass, talosVersion: string, schematicId: string): string {
  return `https://${imageFactoryHost}/image/${schematicId}/${talosVersion}/${nodeClass.platform}-amd64.iso`;
}
