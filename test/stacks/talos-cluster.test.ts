import * as path from "node:path";
import { loadInventoryFile, type ClusterInventory } from "../../inventory";
import { recordPulumi, isSecret, valueOf } from "../support/pulumi-harness";
import { talosFakes } from "../support/talos-fakes";
import { chartsOf } from "../support/cluster-charts";

const root = path.resolve(__dirname, "../..");
const stackInventory = (stack: string) => loadInventoryFile(path.join(root, `Pulumi.${stack}.yaml`));

const types = {
  secrets: "talos:machine/secrets:Secrets",
  schematic: "talos:imageFactory/schematic:Schematic",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
};

/** Builds a TalosCluster for an inventory under recording mocks and waits until every output resolved. */
async function deploy(inventory: ClusterInventory) {
  const recorder = recordPulumi("homelab", inventory.name, talosFakes);
  const { TalosCluster } = await import("../../stacks/talos-cluster");
  const { hostMounts, cni } = chartsOf(inventory);
  const cluster = new TalosCluster(inventory.name, { inventory, hostMounts, cniCharts: cni?.helmCharts });
  await Promise.all([
    valueOf(cluster.healthy),
    valueOf(cluster.kubeconfig),
    valueOf(cluster.talosconfig),
    valueOf(cluster.bootImages),
  ]);
  return { ...recorder, cluster };
}

describe.each(["core", "dev", "prod"])("TalosCluster for %s", (stack) => {
  const inventory = stackInventory(stack);
  let deployed: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    deployed = await deploy(inventory);
  });

  it("creates the machine secrets once, protected", () => {
    const secrets = deployed.ofType(types.secrets);
    expect(secrets).toHaveLength(1);
    expect(secrets[0].protect).toBe(true);
    expect(secrets[0].inputs).toMatchObject({ talosVersion: inventory.talosVersion });
  });

  it("applies one configuration per node, to that node's address", () => {
    const applies = deployed.ofType(types.apply);
    expect(applies.map((apply) => apply.inputs.node).sort()).toEqual(
      inventory.nodes.map((node) => node.address).sort(),
    );
  });

  it("applies control planes one after another, and workers one after another", () => {
    const applies = deployed.ofType(types.apply);
    const applyNames = new Set(applies.map((apply) => apply.name));
    for (const role of ["controlplane", "worker"]) {
      const names = inventory.nodes
        .filter((node) => node.role === role)
        .map((node) => `${inventory.name}-${node.name}`);
      names.forEach((name, index) => {
        const apply = applies.find((registration) => registration.name === name)!;
        expect(apply.dependsOn.filter((other) => applyNames.has(other))).toEqual(
          index === 0 ? [] : [names[index - 1]],
        );
      });
    }
  });

  it("stages every change that needs a reboot, and resets a node whose apply is deleted", () => {
    for (const apply of deployed.ofType(types.apply)) {
      expect(apply.inputs).toMatchObject({
        applyMode: "staged_if_needing_reboot",
        onDestroy: { graceful: true, reset: true, reboot: false },
        timeouts: { create: "20m", update: "20m", delete: "20m" },
      });
    }
  });

  it("gives the bootstrap and the health gate the inventory's timeouts", () => {
    const [bootstrap] = deployed.ofType(types.bootstrap);
    expect(bootstrap.inputs.timeouts).toEqual({ create: inventory.talos.bootstrapTimeout });
    const [health] = deployed.invocations.filter(
      (call) => call.token === "talos:cluster/getHealth:getHealth",
    );
    expect(health.inputs.timeouts).toEqual({ read: inventory.talos.healthTimeout });
  });

  it("installs Cilium once the API answers, and only then runs the full health gate", () => {
    const { timeline } = deployed;
    const healthChecks = timeline.flatMap((event, index) =>
      event.kind === "invoke" && event.token === "talos:cluster/getHealth:getHealth"
        ? [{ index, skipKubernetesChecks: event.inputs.skipKubernetesChecks }]
        : [],
    );
    expect(healthChecks.map((check) => check.skipKubernetesChecks)).toEqual([true, false]);
    const cilium = timeline.findIndex(
      (event) => event.kind === "register" && event.type === "kubernetes:helm.sh/v4:Chart",
    );
    const bootstrap = timeline.findIndex(
      (event) => event.kind === "register" && event.name === `${inventory.name}-bootstrap`,
    );
    expect(bootstrap).toBeGreaterThanOrEqual(0);
    expect(bootstrap).toBeLessThan(healthChecks[0].index);
    expect(healthChecks[0].index).toBeLessThan(cilium);
    expect(cilium).toBeLessThan(healthChecks[1].index);
    const [chart] = deployed.ofType("kubernetes:helm.sh/v4:Chart");
    expect(chart.name).toBe(`${inventory.name}-cilium`);
    expect(chart.inputs).toMatchObject({ chart: "cilium", namespace: "kube-system" });
  });

  it("never moves the bootstrap once made", () => {
    const [bootstrap] = deployed.ofType(types.bootstrap);
    expect([...bootstrap.ignoreChanges].sort()).toEqual(["endpoint", "node"]);
  });

  it("bootstraps exactly once, on a control plane, after every control-plane apply", () => {
    const [bootstrap, ...more] = deployed.ofType(types.bootstrap);
    expect(more).toEqual([]);
    const controlPlanes = inventory.nodes.filter((node) => node.role === "controlplane");
    expect(controlPlanes.map((node) => node.address)).toContain(bootstrap.inputs.node);
    for (const node of controlPlanes) expect(bootstrap.dependsOn).toContain(`${inventory.name}-${node.name}`);
  });

  it("fetches the kubeconfig after the bootstrap", () => {
    const [kubeconfig] = deployed.ofType(types.kubeconfig);
    expect(kubeconfig.dependsOn).toContain(`${inventory.name}-bootstrap`);
  });

  it("keeps kubeconfig and talosconfig secret", async () => {
    expect(await isSecret(deployed.cluster.kubeconfig)).toBe(true);
    expect(await isSecret(deployed.cluster.talosconfig)).toBe(true);
  });

  it("points talosctl at the control-plane nodes, never the VIP", () => {
    const [talosconfig] = deployed.invocations.filter(
      (call) => call.token === "talos:client/getConfiguration:getConfiguration",
    );
    const controlPlanes = inventory.nodes.filter((node) => node.role === "controlplane");
    expect(talosconfig.inputs.endpoints).toEqual(controlPlanes.map((node) => node.address));
    expect(talosconfig.inputs.endpoints).not.toContain(inventory.network.vip);
  });

  it("generates every node's config for the VIP endpoint, with its rendered patches and real schematic id", () => {
    const configs = deployed.invocations.filter(
      (call) => call.token === "talos:machine/getConfiguration:getConfiguration",
    );
    expect(configs).toHaveLength(inventory.nodes.length);
    for (const config of configs) {
      expect(config.inputs.clusterEndpoint).toBe(`https://${inventory.network.vip}:6443`);
      const [patch] = config.inputs.configPatches as string[];
      expect(patch).toMatch(/-installer\/[a-z0-9-]+-schematic-[a-z0-9-]+-id:v1\.13\.9/);
      expect(patch).not.toContain("<schematic-id>");
    }
  });

  it("registers one schematic per distinct extension set", () => {
    const expected: Record<string, string[][]> = {
      core: [["siderolabs/qemu-guest-agent"]],
      dev: [["siderolabs/qemu-guest-agent"]],
      prod: [["siderolabs/i915", "siderolabs/intel-ucode"]],
    };
    const registered = deployed.ofType(types.schematic).map((schematic) => schematic.inputs.schematic);
    expect(registered).toEqual(
      expected[stack].map(
        (extensions) =>
          `customization:\n  systemExtensions:\n    officialExtensions:\n${extensions.map((e) => `      - ${e}\n`).join("")}`,
      ),
    );
  });
});

describe("a cluster whose nodes differ in extensions", () => {
  it("gets a schematic per extension set, and each node the installer of its own", async () => {
    const inventory = loadInventoryFile(
      path.join(root, "test/fixtures/valid/three-control-planes-two-workers.yaml"),
    );
    const deployed = await deploy(inventory);
    const schematics = deployed.ofType(types.schematic);
    expect(schematics.map((schematic) => schematic.name).sort()).toEqual([
      "lab-schematic-intel-ucode",
      "lab-schematic-vanilla",
    ]);
    const patchOf = (address: string) =>
      (
        deployed.invocations.find(
          (call) =>
            call.token === "talos:machine/getConfiguration:getConfiguration" &&
            (call.inputs.configPatches as string[])[0].includes(`address: ${address}/`),
        )!.inputs.configPatches as string[]
      )[0];
    expect(patchOf("192.168.10.11")).toContain("metal-installer/lab-schematic-intel-ucode-id:");
    expect(patchOf("192.168.10.21")).toContain("metal-installer/lab-schematic-vanilla-id:");
  });
});

describe("adding a node", () => {
  it("adds exactly one apply and changes no other apply's inputs", async () => {
    const dev = stackInventory("dev");
    const before = await deploy(dev);
    const grown = structuredClone(dev);
    grown.nodes.push({ ...structuredClone(dev.nodes[3]), name: "dev-w2", address: "10.20.20.22" });
    const after = await deploy(grown);

    const appliesOf = (run: typeof before) =>
      new Map(run.ofType(types.apply).map((apply) => [apply.name, JSON.stringify(apply.inputs)]));
    const [was, is] = [appliesOf(before), appliesOf(after)];
    expect([...is.keys()].filter((name) => !was.has(name))).toEqual(["dev-dev-w2"]);
    for (const [name, inputs] of was) expect(is.get(name)).toBe(inputs);
  });
});

describe("a cluster on flannel", () => {
  it("installs no CNI and waits for the full health gate alone", async () => {
    const inventory = loadInventoryFile(path.join(root, "test/fixtures/valid/every-setting-overridden.yaml"));
    expect(inventory.network.cni).toBe("flannel");
    const deployed = await deploy(inventory);
    expect(deployed.ofType("kubernetes:helm.sh/v4:Chart")).toEqual([]);
    expect(deployed.ofType("pulumi:providers:kubernetes")).toEqual([]);
    const healthChecks = deployed.invocations.filter(
      (call) => call.token === "talos:cluster/getHealth:getHealth",
    );
    expect(healthChecks.map((call) => call.inputs.skipKubernetesChecks)).toEqual([false]);
  });
});
