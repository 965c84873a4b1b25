import { readdirSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { loadInventoryFile, type ClusterInventory } from "../../inventory";
import { renderCluster } from "../../cli/render-cluster";
import {
  nodeClassOf,
  nodeClasses,
  nodePatches,
  schematicYaml,
  talosYaml,
  type TalosDocument,
} from "../../stacks/builders";
import { validateTalosDocument, validateTalosPatch } from "../support/talos-schema";
import { chartsOf } from "../support/cluster-charts";

const root = path.resolve(__dirname, "../..");
const stacks = ["core", "dev", "prod"].map((name) => ({
  name,
  inventory: loadInventoryFile(path.join(root, `Pulumi.${name}.yaml`), `Pulumi.${name}.yaml`),
}));
const validDir = path.join(root, "test/fixtures/valid");
const fixtures = readdirSync(validDir).map((name) => ({
  name,
  inventory: loadInventoryFile(path.join(validDir, name), name),
}));
const stack = (name: string) => stacks.find((s) => s.name === name)!.inventory;

function patchesOf(inventory: ClusterInventory, nodeName: string): TalosDocument[] {
  const node = inventory.nodes.find((n) => n.name === nodeName)!;
  return nodePatches(inventory, node, { hostMounts: chartsOf(inventory).hostMounts });
}

const kindOf = (document: TalosDocument) => (document.kind as string | undefined) ?? "v1alpha1";

describe("Talos patches validate against the Talos v1.13.9 schema", () => {
  const everyNode = [...stacks, ...fixtures].flatMap(({ name, inventory }) =>
    inventory.nodes.map((node) => [name, node.name, inventory] as const),
  );

  it.each(everyNode)("%s: every document of %s", (_, nodeName, inventory) => {
    const documents = patchesOf(inventory, nodeName);
    expect(documents.length).toBeGreaterThanOrEqual(5);
    expect(documents.flatMap((document) => validateTalosDocument(document))).toEqual([]);
    // The text that is applied, parsed back, holds the same documents and validates too.
    const text = talosYaml(documents);
    expect(validateTalosPatch(text)).toEqual([]);
    expect(parseAllDocuments(text).map((document) => document.toJS())).toEqual(documents);
  });

  it("the same check catches a deliberately broken document", () => {
    const [machine, , link] = patchesOf(stack("prod"), "ed-n1");
    const brokenLink = { ...link, routes: [{ gw: "10.20.30.1" }] };
    const brokenMachine = { ...machine, machine: { install: { disk: 7 } } };
    expect(validateTalosDocument(brokenLink)).not.toEqual([]);
    expect(validateTalosDocument(brokenMachine)).not.toEqual([]);
    expect(validateTalosDocument({ apiVersion: "v1alpha1", kind: "NotAKind" })).not.toEqual([]);
  });
});

describe("what each node gets", () => {
  it("control planes hold the VIP on their link; workers do not", () => {
    const dev = stack("dev");
    const vipOf = (node: string) => patchesOf(dev, node).find((d) => d.kind === "Layer2VIPConfig");
    expect(vipOf("dev-cp1")).toEqual({
      apiVersion: "v1alpha1",
      kind: "Layer2VIPConfig",
      name: "10.20.20.10",
      link: "ens18",
    });
    expect(vipOf("dev-w1")).toBeUndefined();
  });

  it("a node's link carries its address in the subnet's prefix and the default route", () => {
    const link = patchesOf(stack("prod"), "ed-n2").find((d) => d.kind === "LinkConfig");
    expect(link).toMatchObject({
      name: "eno1",
      addresses: [{ address: "10.20.30.12/24" }],
      routes: [{ gateway: "10.20.30.1" }],
    });
  });

  it("the v1alpha1 patch sets install disk and installer, kubelet subnet, zone, KubePrism and networks", () => {
    const [machinePatch] = patchesOf(stack("prod"), "ed-n3");
    expect(machinePatch).toMatchObject({
      machine: {
        install: { disk: "/dev/nvme0n1", image: "factory.talos.dev/metal-installer/<schematic-id>:v1.13.9" },
        kubelet: {
          nodeIP: { validSubnets: ["10.20.30.0/24"] },
          extraMounts: [
            {
              source: "/var/mnt/local-path-provisioner",
              destination: "/var/mnt/local-path-provisioner",
              type: "bind",
              options: ["bind", "rshared", "rw"],
            },
          ],
        },
        nodeLabels: { "topology.kubernetes.io/zone": "az1" },
        features: { kubePrism: { enabled: true, port: 7445 } },
      },
      cluster: {
        // Cilium (the default) is installed by the program: Talos runs neither a CNI nor kube-proxy.
        network: {
          cni: { name: "none" },
          podSubnets: ["10.244.0.0/16"],
          serviceSubnets: ["10.96.0.0/12"],
        },
        proxy: { disabled: true },
        apiServer: { certSANs: ["10.20.30.10", "k8s.prod.example.com"] },
        allowSchedulingOnControlPlanes: true,
      },
    });
  });

  it("on flannel, Talos installs flannel and keeps kube-proxy", () => {
    const flannel = structuredClone(stack("dev"));
    flannel.network.cni = "flannel";
    for (const node of ["dev-cp1", "dev-w1"]) {
      const cluster = patchesOf(flannel, node)[0].cluster as Record<string, unknown>;
      expect(cluster.network).toMatchObject({ cni: { name: "flannel" } });
      expect(cluster).not.toHaveProperty("proxy");
    }
  });

  it("control planes run workloads as the inventory decides, whatever the workers", () => {
    const scheduling = (inventory: ClusterInventory, node: string) =>
      (patchesOf(inventory, node)[0].cluster as Record<string, unknown>).allowSchedulingOnControlPlanes;
    expect(scheduling(stack("prod"), "ed-n1")).toBe(true);
    expect(scheduling(stack("dev"), "dev-cp1")).toBe(true);
    const dedicated = { ...structuredClone(stack("dev")), controlPlanesRunWorkloads: false };
    expect(scheduling(dedicated, "dev-cp1")).toBeUndefined();
  });

  it("workers carry no API server settings", () => {
    const [machinePatch] = patchesOf(stack("dev"), "dev-w1");
    expect(machinePatch.cluster).not.toHaveProperty("apiServer");
  });

  it("hostname, resolvers and time servers come from the inventory", () => {
    const documents = patchesOf(stack("core"), "core-cp2");
    expect(documents.map(kindOf)).toEqual([
      "v1alpha1",
      "HostnameConfig",
      "LinkConfig",
      "Layer2VIPConfig",
      "ResolverConfig",
      "TimeSyncConfig",
    ]);
    expect(documents[1]).toMatchObject({ auto: "off", hostname: "core-cp2" });
    expect(documents[4]).toMatchObject({ nameservers: [{ address: "10.20.0.53" }] });
    expect(documents[5]).toMatchObject({ ntp: { servers: ["time.cloudflare.com"] } });
  });

  it("no storage mount when the storage component is off", () => {
    const inventory = structuredClone(stack("core"));
    inventory.platform.storage.enabled = false;
    const [machinePatch] = patchesOf(inventory, "core-cp1");
    expect((machinePatch.machine as { kubelet: object }).kubelet).not.toHaveProperty("extraMounts");
  });
});

describe("node classes and schematics", () => {
  it("Proxmox VMs boot nocloud images with the guest agent; bare metal boots metal with its own extensions", () => {
    expect(nodeClasses(stack("core"))).toEqual([
      { name: "nocloud-qemu-guest-agent", platform: "nocloud", extensions: ["siderolabs/qemu-guest-agent"] },
    ]);
    expect(nodeClasses(stack("prod"))).toEqual([
      {
        name: "metal-i915-intel-ucode",
        platform: "metal",
        extensions: ["siderolabs/i915", "siderolabs/intel-ucode"],
      },
    ]);
  });

  it("a schematic lists the class's extensions as official extensions", () => {
    const [prod] = nodeClasses(stack("prod"));
    expect(schematicYaml(prod.extensions)).toBe(
      "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/i915\n      - siderolabs/intel-ucode\n",
    );
  });

  it("extensions are deduplicated, so naming the guest agent twice changes nothing", () => {
    const node = structuredClone(stack("core").nodes[0]);
    const withDuplicate = { ...node, extensions: ["siderolabs/qemu-guest-agent"] };
    expect(nodeClassOf(withDuplicate)).toEqual(nodeClassOf(node));
  });
});

describe("adding a node", () => {
  it.each([
    ["dev", "a second worker", 3],
    ["prod", "the first worker", 0],
  ] as const)(
    "to %s (%s) adds exactly one Talos file and changes no other node's patches",
    (name, _, template) => {
      const before = stack(name);
      const grown: ClusterInventory = structuredClone(before);
      const address = name === "dev" ? "10.20.20.22" : "10.20.30.21";
      const template_ = structuredClone(before.nodes[template]);
      // A VM needs a VM id of its own on its host.
      if (template_.host.kind === "proxmox") template_.host = { ...template_.host, vmId: 199 };
      grown.nodes.push({ ...template_, role: "worker", name: `${name}-new`, address });
      const was = new Map(renderCluster(before, name).map((file) => [file.path, file.content]));
      const is = new Map(renderCluster(grown, name).map((file) => [file.path, file.content]));

      const added = [...is.keys()].filter((file) => !was.has(file));
      const changed = [...was.keys()].filter((file) => is.get(file) !== was.get(file));
      expect(added).toEqual([`talos/${name}-new.yaml`]);
      // The cluster README lists the nodes, so it is one other file that changes — with the Proxmox
      // plan, when the new node is a VM, and the collector's policy, which lets it scrape the new node's
      // kubelet and node-exporter.
      expect(changed).toEqual(
        [
          "README.md",
          ...(before.platform.lgtm.enabled ? ["k8s/07-lgtm.yaml"] : []),
          ...(template_.host.kind === "proxmox" ? ["proxmox.yaml"] : []),
        ].sort(),
      );
    },
  );
});
