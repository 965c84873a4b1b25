import * as path from "node:path";
import { parse } from "yaml";
import { renderCluster } from "../../cli/render-cluster";
import { loadInventoryFile, vmNodes } from "../../inventory";
import type { Registration } from "../support/pulumi-harness";
import { runProgram } from "../support/run-program";

const root = path.resolve(__dirname, "../..");
const fakeSecrets = {
  "homelab:cloudflareApiToken": "fake-api-token",
  "homelab:cloudflareDnsToken": "fake-dns-token",
};
const types = {
  provider: "pulumi:providers:proxmoxve",
  iso: "proxmoxve:download/file:File",
  vm: "proxmoxve:index/vmLegacy:VmLegacy",
  apply: "talos:machine/configurationApply:ConfigurationApply",
};

interface RenderedProxmox {
  images: ({ host: string; url: string } & Record<string, unknown>)[];
  vms: ({ host: string } & Record<string, unknown>)[];
}

describe.each(["core", "dev"])("the Proxmox VMs of %s", (stack) => {
  const inventory = loadInventoryFile(path.join(root, `Pulumi.${stack}.yaml`));
  const rendered = parse(
    renderCluster(inventory, stack).find((file) => file.path === "proxmox.yaml")!.content,
  ) as RenderedProxmox;
  let run: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    run = await runProgram(stack, fakeSecrets);
  });

  it("creates every VM render shows, with exactly its arguments", () => {
    const vms = run.ofType(types.vm);
    expect(vms.map((vm) => vm.inputs).sort(byName)).toEqual(
      rendered.vms.map(({ host: _host, ...args }) => args).sort(byName),
    );
    expect(vms).toHaveLength(vmNodes(inventory).length);
  });

  it("gives every device of a VM a slot of its own (the provider keeps one device per slot)", () => {
    for (const vm of rendered.vms as unknown as {
      name: string;
      disks: { interface: string }[];
      cdrom: { interface: string };
      initialization: { interface: string };
    }[]) {
      const slots = [
        ...vm.disks.map((disk) => disk.interface),
        vm.cdrom.interface,
        vm.initialization.interface,
      ];
      expect([vm.name, new Set(slots).size]).toEqual([vm.name, slots.length]);
    }
  });

  it("downloads each ISO render shows, once per node class and host, at the schematic's id", () => {
    const isos = run.ofType(types.iso);
    expect(isos.map(({ inputs }) => ({ ...inputs })).sort(byFile)).toEqual(
      rendered.images
        .map(({ host: _host, url, ...image }) => ({
          ...image,
          url: url.replace("<schematic-id>", `${inventory.name}-schematic-qemu-guest-agent-id`),
        }))
        .sort(byFile),
    );
  });

  it("makes each VM on its host's provider, whose API token stays secret", () => {
    const providers = run.ofType(types.provider);
    const hosts = new Set(vmNodes(inventory).map((vm) => vm.host.name));
    expect(providers.map((provider) => provider.name).sort()).toEqual(
      [...hosts].map((host) => `${inventory.name}-proxmox-${host}`).sort(),
    );
    for (const provider of providers) {
      const host = provider.name.slice(`${inventory.name}-proxmox-`.length);
      // The engine receives the token wrapped as a secret: encrypted in the state, masked in output.
      expect(provider.inputs.apiToken).toEqual({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: `fake-proxmox-token-${host}`,
      });
    }
    // …and nowhere else.
    const elsewhere = run.registrations.filter(
      (registration) =>
        registration.type !== types.provider &&
        JSON.stringify(registration.inputs).includes("fake-proxmox-token"),
    );
    expect(elsewhere.map((registration) => registration.name)).toEqual([]);
  });

  it("applies each VM node's Talos config only once its VM exists, and each VM after its ISO", () => {
    const byName = new Map(run.registrations.map((registration) => [registration.name, registration]));
    for (const vm of vmNodes(inventory).filter((each) => !each.node.decommission)) {
      const apply = byName.get(`${inventory.name}-${vm.node.name}`)!;
      expect(apply.type).toBe(types.apply);
      expect(apply.dependsOn).toContain(`${inventory.name}-vm-${vm.node.name}`);
      const machine = byName.get(`${inventory.name}-vm-${vm.node.name}`)!;
      expect(machine.dependsOn.some((name) => name.startsWith(`${inventory.name}-iso-`))).toBe(true);
    }
  });
});

const byName = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.name).localeCompare(String(b.name));
const byFile = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  `${String(a.nodeName)}/${String(a.fileName)}`.localeCompare(`${String(b.nodeName)}/${String(b.fileName)}`);

it("prod, all bare metal, makes no VM", async () => {
  const run = await runProgram("prod", fakeSecrets);
  const proxmox = run.registrations.filter((registration: Registration) =>
    registration.type.startsWith("proxmoxve:"),
  );
  expect(proxmox).toEqual([]);
});

it("refuses moving a running VM node to another VM id or host", async () => {
  const inventory = loadInventoryFile(path.join(root, "Pulumi.dev.yaml"));
  const [first] = vmNodes(inventory);
  const index = inventory.nodes.indexOf(first.node);
  const last = {
    apiEndpoint: "https://10.20.20.10:6443",
    deployed: {
      cni: "cilium",
      versions: { talosVersion: inventory.talosVersion, kubernetesVersion: inventory.kubernetesVersion },
      upgrades: true,
      nodes: inventory.nodes.map((node) => node.name),
      vms: { [first.node.name]: { host: first.host.name, vmId: first.vmId + 1000 } },
      observability: "spoke",
    },
  };
  let message: string | undefined;
  try {
    await runProgram("dev", fakeSecrets, last);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toBe(
    `Pulumi.dev.yaml: config.homelab:cluster.nodes[${index}].host.vmId: ${first.node.name} runs as VM ${first.vmId + 1000} on Proxmox host ${first.host.name} — moving it would replace the VM under the running node: add a new node where you want it and decommission ${first.node.name} ("Replace a node")`,
  );
});
