import * as path from "node:path";
import {
  loadInventoryFile,
  plainSecretProblems,
  proxmoxApiTokenSetting,
  proxmoxApiTokenSettings,
  proxmoxHosts,
  setSecretCommand,
  usedProxmoxHosts,
  vmNodes,
  type ClusterInventory,
} from "../../inventory";

const root = path.resolve(__dirname, "../..");
const mixed = loadInventoryFile(path.join(root, "test/fixtures/valid/Pulumi.metal-and-vms.yaml"));
const stack = (name: string): ClusterInventory => loadInventoryFile(path.join(root, `Pulumi.${name}.yaml`));

describe("proxmoxHosts", () => {
  it("resolves each host's defaults: node name, storages, bridge, untagged, certificate checked", () => {
    const [pve1, pve2, pve3] = proxmoxHosts(mixed);
    expect(pve3).toEqual({
      name: "pve3",
      endpoint: "https://pve3.lan:8006/",
      node: "pve3",
      insecure: false,
      isoStorage: "local",
      diskStorage: "local-lvm",
      bridge: "vmbr0",
      bridges: [],
    });
    expect(pve2).toMatchObject({ node: "pve-two", isoStorage: "nas-iso", diskStorage: "local-zfs" });
    expect(pve1).toMatchObject({ node: "pve1", insecure: true, vlanTag: 10 });
  });

  it("lists as used only the hosts a node runs on", () => {
    expect(usedProxmoxHosts(mixed).map((host) => host.name)).toEqual(["pve1", "pve2"]);
  });
});

describe("vmNodes", () => {
  const vms = new Map(vmNodes(mixed).map((vm) => [vm.node.name, vm]));

  it("holds the VMs alone, in inventory order", () => {
    expect([...vms.keys()]).toEqual(["cp2", "cp3", "w2", "w3"]);
  });

  it("gives a VM that sets nothing the defaults and its host's bridge, VLAN tag and storages", () => {
    const vm = vms.get("cp2")!;
    expect({ ...vm, node: vm.node.name, host: vm.host.name }).toEqual({
      node: "cp2",
      host: "pve1",
      vmId: 101,
      cores: 2,
      memory: 4096,
      diskSize: 32,
      network: { bridge: "vmbr0", vlanTag: 10, subnet: "192.168.10.0/24" },
      isoStorage: "local",
      diskStorage: "local-lvm",
    });
    expect(vm.node.installDisk).toBe("/dev/vda");
    expect(vm.node.interface).toBe("ens18");
  });

  it("keeps a VM's own sizes and reads its MAC address in lower case", () => {
    expect(vms.get("cp3")).toMatchObject({
      vmId: 102,
      cores: 4,
      memory: 8192,
      diskSize: 64,
      macAddress: "bc:24:11:0a:00:13",
      network: { bridge: "vmbr0", subnet: "192.168.10.0/24" },
      isoStorage: "nas-iso",
      diskStorage: "local-zfs",
    });
    expect(vms.get("cp3")!.network.vlanTag).toBeUndefined();
  });

  it("puts a VM that names a bridge on it untagged, with the subnet its host declares for it", () => {
    expect(vms.get("w2")!.network).toEqual({ bridge: "vmbr1", subnet: "192.168.0.0/16" });
  });

  it("puts a VM that names a VLAN tag alone on its host's bridge with that tag", () => {
    expect(vms.get("w3")!.network).toEqual({ bridge: "vmbr0", vlanTag: 40, subnet: "192.168.10.0/24" });
  });

  it("is empty for a bare-metal cluster", () => {
    const prod = stack("prod");
    expect(prod.nodes.every((node) => node.host.kind === "metal")).toBe(true);
    expect(vmNodes(prod)).toEqual([]);
  });
});

describe("the example stacks on the shared Proxmox hosts", () => {
  const core = stack("core");
  const dev = stack("dev");

  it("run every VM on its cluster's VLAN", () => {
    expect(vmNodes(core).map((vm) => vm.network.vlanTag)).toEqual([10, 10, 10]);
    expect(vmNodes(dev).map((vm) => vm.network.vlanTag)).toEqual([20, 20, 20, 20]);
  });

  // Validation sees one stack at a time: VM ids on a host the stacks share must differ between them.
  it("give no two VMs on one host the same VM id across stacks", () => {
    const ids = [...vmNodes(core), ...vmNodes(dev)].map((vm) => `${vm.host.endpoint} ${vm.vmId}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(7);
  });
});

describe("the Proxmox API tokens", () => {
  it("are one secret setting per used host, named after it", () => {
    expect(proxmoxApiTokenSettings(mixed).map((setting) => setting.key)).toEqual([
      "homelab:proxmoxApiToken-pve1",
      "homelab:proxmoxApiToken-pve2",
    ]);
    expect(proxmoxApiTokenSettings(stack("prod"))).toEqual([]);
  });

  it("are set with pulumi config set --secret", () => {
    expect(setSecretCommand(proxmoxApiTokenSetting("hx90"), "core")).toBe(
      "pulumi config set --secret homelab:proxmoxApiToken-hx90 -s core",
    );
  });

  it("are refused in plain text and accepted encrypted, as the program checks them", () => {
    const config = {
      "homelab:proxmoxApiToken-hx90": "root@pam!pulumi=plain",
      "homelab:proxmoxApiToken-bd-n1": { secure: "v1:abc" },
      "proxmox:apiToken": "another provider's key",
    };
    expect(plainSecretProblems(config, "core")).toEqual([
      {
        path: ["config", "homelab:proxmoxApiToken-hx90"],
        message:
          "holds a plain value — a secret must be stored encrypted: remove it and run `pulumi config set --secret homelab:proxmoxApiToken-hx90 -s core`",
      },
    ]);
  });
});
