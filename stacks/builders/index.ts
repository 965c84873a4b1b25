export * from "./access-audiences";
export * from "./proxmox";
export * from "./proxmox-vm-args";
export * from "./talos-images";
export * from "./talos-patches";
export * from "./edge";
