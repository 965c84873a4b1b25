import type { ClusterInventory } from "../../inventory";
import type { HostMount } from "./talos-patches";

/**
 * The host directory the local-path provisioner keeps volumes in, mounted into the kubelet so
 * that pods' hostPath volumes under it resolve on Talos, whose root filesystem is read-only.
 */
export function storageHostMounts(inventory: ClusterInventory): HostMount[] {
  const { storage } = inventory.platform;
  if (!storage.enabled) return [];
  return [{ source: storage.hostPath, destination: storage.hostPath, options: ["bind", "rshared", "rw"] }];
}
