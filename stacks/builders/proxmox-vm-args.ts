import type { ProxmoxVmPlan } from "./proxmox";

/**
 * A VM for Talos, as `proxmoxve.VmLegacy` takes it (plain data, so render shows exactly what the program
 * applies): UEFI (OVMF, q35), the disk first in the boot order with the ISO behind it (an empty disk
 * boots the ISO; once Talos is installed, the disk), the QEMU guest agent (the node class carries its
 * extension), virtio devices, and a NoCloud drive with the node's static address, gateway and resolvers
 * (Proxmox names the host after the VM), so Talos's maintenance mode comes up at the node's final
 * address with no DHCP reservation. Changing cores, memory or a larger disk is an update; a new VM id,
 * host or storage replaces the VM.
 */
export function vmArgs(plan: ProxmoxVmPlan, isoFileId: string) {
  return {
    nodeName: plan.proxmoxNode,
    vmId: plan.vmId,
    name: plan.name,
    description: `Talos node ${plan.name}, managed by homelab-platform`,
    bios: "ovmf",
    machine: "q35",
    efiDisk: { datastoreId: plan.diskStorage, type: "4m", preEnrolledKeys: false },
    operatingSystem: { type: "l26" },
    cpu: { cores: plan.cores, type: "host" },
    memory: { dedicated: plan.memory },
    // VirtIO block: the disk Talos sees as /dev/vda, the inventory's default install disk for VMs.
    disks: [
      {
        interface: "virtio0",
        datastoreId: plan.diskStorage,
        size: plan.diskSize,
        fileFormat: "raw",
        iothread: true,
        discard: "on",
      },
    ],
    cdrom: { fileId: isoFileId, interface: "ide2" },
    bootOrders: ["virtio0", "ide2"],
    agent: { enabled: true },
    networkDevices: [
      {
        bridge: plan.bridge,
        model: "virtio",
        ...(plan.vlanTag === undefined ? {} : { vlanId: plan.vlanTag }),
        ...(plan.macAddress === undefined ? {} : { macAddress: plan.macAddress }),
      },
    ],
    initialization: {
      type: "nocloud",
      datastoreId: plan.diskStorage,
      ipConfigs: [{ ipv4: { address: plan.address, gateway: plan.gateway } }],
      dns: { servers: [...plan.nameservers] },
    },
    onBoot: true,
    started: true,
    // A removed node was reset by its Talos apply's deletion; shut it down rather than wait on it.
    stopOnDestroy: true,
  };
}
