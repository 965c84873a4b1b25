import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { renderCluster } from "../../cli/render-cluster";
import { componentFileStem } from "../../charts/components";
import { loadInventoryFile, type ClusterInventory } from "../../inventory";
import { pins } from "../../pins";
import { valueOf, type Registration } from "../support/pulumi-harness";
import { runProgram, stackConfig } from "../support/run-program";

const root = path.resolve(__dirname, "../..");
const fakeSecrets = {
  "homelab:cloudflareApiToken": "fake-api-token",
  "homelab:cloudflareDnsToken": "fake-dns-token",
};
const applyType = "talos:machine/configurationApply:ConfigurationApply";
const upgradesStem = componentFileStem("upgrades");

/** The next patch release of `vX.Y.Z` or `X.Y.Z`. */
function nextPatch(version: string): string {
  const [prefix, major, minor, patch] = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(version)!.slice(1);
  return `${prefix}${major}.${minor}.${Number(patch) + 1}`;
}

/** The stack file's nodes. */
const nodesOf = (stack: string) =>
  (stackConfig(stack)["homelab:cluster"] as { nodes: { name: string }[] }).nodes.map((node) => node.name);

/** The stack file's Proxmox nodes: their host and VM id, by name. */
const vmsOf = (stack: string) =>
  Object.fromEntries(
    (
      stackConfig(stack)["homelab:cluster"] as {
        nodes: { name: string; host: { kind: string; name?: string; vmId?: number } }[];
      }
    ).nodes
      .filter((node) => node.host.kind === "proxmox")
      .map((node) => [node.name, { host: node.host.name, vmId: node.host.vmId }]),
  );

/** What the last `pulumi up` of `stack` left: its versions, CNI, tuppr on, and all its nodes. */
function deployedAt(stack: string, talosVersion: string, kubernetesVersion: string, cni = "cilium") {
  return {
    apiEndpoint: "https://10.0.0.1:6443",
    deployed: {
      cni,
      versions: { talosVersion, kubernetesVersion },
      upgrades: true,
      nodes: nodesOf(stack),
      observability: stack === "core" ? "hub" : "spoke",
    },
  };
}

/** Registrations by name, with what the engine was asked: inputs and the options that matter here. */
const byName = (registrations: readonly Registration[]) =>
  new Map(registrations.map((registration) => [registration.name, registration]));

/** Names whose inputs differ between two runs (registered in both). */
function changedInputs(before: readonly Registration[], after: readonly Registration[]): string[] {
  const was = byName(before);
  return after
    .filter((registration) => {
      const previous = was.get(registration.name);
      return (
        previous !== undefined && JSON.stringify(previous.inputs) !== JSON.stringify(registration.inputs)
      );
    })
    .map((registration) => registration.name)
    .sort();
}

describe.each(["core", "dev", "prod"])("version bumps on %s", (stack) => {
  const inventory = stackConfig(stack)["homelab:cluster"] as { name: string };
  const current = { talosVersion: pins.talos.version, kubernetesVersion: pins.kubernetes };
  const last = deployedAt(stack, current.talosVersion, current.kubernetesVersion);
  let baseline: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    baseline = await runProgram(stack, fakeSecrets, last);
  });

  it("holds nothing when the versions are those the nodes run", () => {
    for (const apply of baseline.ofType(applyType)) expect(apply.ignoreChanges).toEqual([]);
  });

  it.each([
    [
      "Talos",
      (cluster: Record<string, unknown>) => ({ ...cluster, talosVersion: nextPatch(current.talosVersion) }),
    ],
    [
      "Kubernetes",
      (cluster: Record<string, unknown>) => ({
        ...cluster,
        kubernetesVersion: nextPatch(current.kubernetesVersion),
      }),
    ],
  ])(
    "a %s bump changes the upgrade resources, and configs only where a hold keeps them off the running nodes",
    async (_, bump) => {
      const bumped = await runProgram(stack, fakeSecrets, last, bump);
      const changed = changedInputs(baseline.registrations, bumped.registrations);
      const applies = new Set(bumped.ofType(applyType).map((apply) => apply.name));
      // The upgrade resources' group, and nothing else but node configs.
      expect(changed.filter((name) => !applies.has(name))).toEqual([`${inventory.name}-${upgradesStem}`]);
      // Each changed config is held: Pulumi does not apply it to a running node this run.
      for (const name of changed.filter((each) => applies.has(each))) {
        expect([name, byName(bumped.registrations).get(name)!.ignoreChanges]).toEqual([
          name,
          ["machineConfigurationInput"],
        ]);
      }
      // No registration appears or goes: no Job, chart or node is added or replaced by a bump.
      expect(bumped.registrations.map((each) => each.name).sort()).toEqual(
        baseline.registrations.map((each) => each.name).sort(),
      );
    },
  );

  it("records the new versions only through the upgrade resources, which Pulumi waits on", async () => {
    const target = nextPatch(current.talosVersion);
    const bumped = await runProgram(stack, fakeSecrets, last, (cluster) => ({
      ...cluster,
      talosVersion: target,
    }));
    expect(await valueOf(bumped.program.deployed)).toEqual({
      cni: "cilium",
      versions: { talosVersion: target, kubernetesVersion: current.kubernetesVersion },
      upgrades: true,
      nodes: nodesOf(stack),
      vms: vmsOf(stack),
      observability: stack === "core" ? "hub" : "spoke",
    });
    const group = bumped
      .ofType("kubernetes:yaml/v2:ConfigGroup")
      .find((each) => each.name === `${inventory.name}-${upgradesStem}`)!;
    const upgrades = (
      group.inputs.objs as {
        kind: string;
        metadata: { annotations: Record<string, string> };
        spec: unknown;
      }[]
    )
      .filter((object) => object.kind.endsWith("Upgrade"))
      .map((object) => ({
        kind: object.kind,
        spec: object.spec,
        waitFor: object.metadata.annotations["pulumi.com/waitFor"],
      }));
    expect(upgrades).toEqual([
      {
        kind: "TalosUpgrade",
        spec: { talos: { version: target } },
        waitFor: '["condition=Ready","jsonpath={.status.phase}=Completed"]',
      },
      {
        kind: "KubernetesUpgrade",
        spec: { kubernetes: { version: `v${current.kubernetesVersion}` } },
        waitFor: '["condition=Ready","jsonpath={.status.phase}=Completed"]',
      },
    ]);
  });
});

describe("render of a version bump", () => {
  const bumps: [string, (inventory: ClusterInventory) => ClusterInventory][] = [
    ["Talos", (inventory) => ({ ...inventory, talosVersion: nextPatch(inventory.talosVersion) })],
    [
      "Kubernetes",
      (inventory) => ({ ...inventory, kubernetesVersion: nextPatch(inventory.kubernetesVersion) }),
    ],
  ];
  describe.each(["core", "dev", "prod"])("%s", (stack) => {
    const inventory = loadInventoryFile(path.join(root, `Pulumi.${stack}.yaml`));
    const files = (of: ClusterInventory) =>
      new Map(renderCluster(of, stack).map((file) => [file.path, file.content]));
    const before = files(inventory);

    it.each(bumps)(
      "a %s bump changes the upgrade resources, installer references and the README only",
      (kind, bump) => {
        const after = files(bump(inventory));
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        const changedLines = new Map<string, string[]>();
        for (const [file, content] of after) {
          const old = before.get(file)!.split("\n");
          const lines = content.split("\n").filter((line, index) => line !== old[index]);
          if (lines.length > 0) changedLines.set(file, lines);
        }
        const upgrades = `k8s/${upgradesStem}.yaml`;
        expect(changedLines.get(upgrades)).toEqual([
          kind === "Talos"
            ? `    version: ${nextPatch(inventory.talosVersion)}`
            : `    version: v${nextPatch(inventory.kubernetesVersion)}`,
        ]);
        for (const [file, lines] of changedLines) {
          if (file === upgrades || file === "README.md") continue;
          // Talos patches: only each node's installer reference, and only for a Talos bump.
          expect(kind).toBe("Talos");
          expect(file).toMatch(/^talos\/[a-z0-9-]+\.yaml$/);
          for (const line of lines)
            expect(line).toMatch(
              /^ {4}image: factory\.talos\.dev\/[a-z-]+-installer\/<schematic-id>:v\d+\.\d+\.\d+$/,
            );
        }
        if (kind === "Talos") {
          expect([...changedLines.keys()].filter((file) => file.startsWith("talos/")).sort()).toEqual(
            inventory.nodes.map((node) => `talos/${node.name}.yaml`).sort(),
          );
        }
      },
    );
  });
});

describe("the program refuses what one rolling upgrade cannot do", () => {
  const refusal = async (
    last: Record<string, unknown>,
    edit?: (cluster: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    try {
      await runProgram("prod", fakeSecrets, last, edit);
    } catch (error) {
      expect(pulumi.RunError.isInstance(error)).toBe(true);
      return (error as Error).message;
    }
    return undefined;
  };

  it("a Kubernetes target two minors ahead of what the nodes run", async () => {
    expect(await refusal(deployedAt("prod", pins.talos.version, "1.34.5"))).toBe(
      `Pulumi.prod.yaml: config.homelab:cluster.kubernetesVersion: ${pins.kubernetes} is 2 minor releases ahead of the 1.34.5 the cluster runs — Kubernetes upgrades one minor at a time: go to 1.35.x first`,
    );
  });

  it("a CNI other than the one the cluster was created with", async () => {
    expect(await refusal(deployedAt("prod", pins.talos.version, pins.kubernetes, "flannel"))).toBe(
      "Pulumi.prod.yaml: config.homelab:cluster.network.cni: cilium differs from flannel, which the cluster was created with — Talos does not switch CNIs in place: keep network.cni: flannel, or build a new cluster",
    );
  });

  it("a cluster deployed before the record, whose CNI and versions the stack file leaves to defaults", async () => {
    const older = { apiEndpoint: "https://10.20.30.10:6443" };
    expect(await refusal(older)).toBe(
      [
        "Pulumi.prod.yaml: config.homelab:cluster.network.cni: is required for a cluster deployed by an older homelab-platform, whose default was flannel — set network.cni: flannel (what it runs), or cilium for a new cluster",
        "Pulumi.prod.yaml: config.homelab:cluster.talosVersion: is required, with kubernetesVersion, for a cluster deployed by an older homelab-platform — set both to what the nodes run (talosctl version, kubectl get nodes) and deploy that alone; bump them in a later change",
        "Pulumi.prod.yaml: config.homelab:cluster.platform.lgtm.role: this cluster was deployed by an older homelab-platform, which ran the LGTM stores unless platform.lgtm.enabled was false, and kept no record of it — as a spoke, `pulumi up` deletes Loki, Mimir, Tempo and Grafana, with Grafana's and MinIO's volumes and the metrics in them (the StatefulSets' volumes stay behind, to delete by hand): back up what you need and set platform.lgtm.dropStores: true for this run (and remove it after), or keep it the hub",
      ].join("\n"),
    );
    // Saying what it runs is enough.
    expect(
      await refusal(older, (cluster) => ({
        ...cluster,
        talosVersion: pins.talos.version,
        kubernetesVersion: pins.kubernetes,
        network: { ...(cluster.network as object), cni: "flannel" },
        platform: {
          ...(cluster.platform as object),
          lgtm: { ...(cluster.platform as { lgtm: object }).lgtm, dropStores: true },
        },
      })),
    ).toBeUndefined();
  });

  it("versions that move without tuppr", async () => {
    const last = deployedAt("prod", pins.talos.version, "1.36.2");
    (last.deployed as { upgrades: boolean }).upgrades = false;
    expect(await refusal(last)).toBe(
      `Pulumi.prod.yaml: config.homelab:cluster.platform.upgrades.enabled: was false in the last deployment, and the versions move (${pins.talos.version} and 1.36.2 to ${pins.talos.version} and ${pins.kubernetes}) — tuppr upgrades running nodes: turn it on and deploy that alone, then move the versions`,
    );
  });

  it("a node joining while Kubernetes moves", async () => {
    const last = deployedAt("prod", pins.talos.version, "1.36.2");
    (last.deployed as { nodes: string[] }).nodes = nodesOf("prod").slice(0, -1);
    const joining = nodesOf("prod").at(-1)!;
    expect(await refusal(last)).toBe(
      `Pulumi.prod.yaml: config.homelab:cluster.nodes[${nodesOf("prod").length - 1}].name: ${joining} joins while Kubernetes moves to ${pins.kubernetes} — its kubelet would be newer than the API servers until their upgrade; add it before or after the upgrade, in a change of its own`,
    );
  });
});
