import type { ProxmoxVmPlan } from "./proxmox";

/**
 * A VM for Talos, as `proxmoxve.VmLegacy` takes it (plain data, so render shows exactly what the program
 * applies): UEFI (OVMF without enrolled keys: no Secure Boot), Proxmox's default i440fx machine (its
 * VirtIO NIC is `ens18`, the inventory's default interface for VMs), the disk first in the boot order
 * with the ISO behind it (an empty disk boots the ISO; once Talos is installed, the disk), the QEMU
 * guest agent (the node class carries its extension; creation does not wait for its addresses, which
 * maintenance mode may not report), and a NoCloud drive on its own IDE slot with the node's static
 * address, gateway and resolvers, so Talos's maintenance mode comes up at the node's final address with
 * no DHCP reservation.
 *
 * More cores or memory, or a larger disk, update the VM without restarting it: the change takes effect
 * at the VM's next reboot (`talosctl reboot`, one node at a time). A disk cannot shrink. Another disk
 * storage moves the disk (stopping the VM); another VM id or host replaces the VM — add a new node and
 * decommission the old one instead.
 */
export function vmArgs(plan: ProxmoxVmPlan, isoFileId: string) {
  return {
    nodeName: plan.proxmoxNode,
    vmId: plan.vmId,
    name: plan.name,
    description: `Talos node ${plan.name}, managed by homelab-platform`,
    bios: "ovmf",
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
    agent: { enabled: true, waitForIp: { disabled: true } },
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
      // Not ide2, the CD-ROM's: on one slot the provider keeps only the CD-ROM.
      interface: "ide0",
      datastoreId: plan.diskStorage,
      ipConfigs: [{ ipv4: { address: plan.address, gateway: plan.gateway } }],
      dns: { servers: [...plan.nameservers] },
    },
    onBoot: true,
    started: plan.started,
    // Resizes wait for a reboot the operator times: all VMs rebooting at once would stop etcd.
    rebootAfterUpdate: false,
    // A removed node was reset by its Talos apply's deletion; shut it down rather than wait on it.
    stopOnDestroy: true,
  };
}
