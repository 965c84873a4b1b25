import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseInventory, type ClusterInventory } from "../../inventory";
import { recordPulumi, valueOf, type Registration } from "../support/pulumi-harness";
import { talosFakes } from "../support/talos-fakes";
import { chartsOf } from "../support/cluster-charts";

/**
 * Adding and removing nodes on a running cluster, as `pulumi preview` would see it: two runs of the
 * program, before and after the inventory change, compared resource by resource.
 */

const root = path.resolve(__dirname, "../..");
const types = {
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  health: "talos:cluster/getHealth:getHealth",
  talosconfig: "talos:client/getConfiguration:getConfiguration",
};

type RawNode = Record<string, unknown> & { name: string; address: string; role: string };
type RawInventory = Record<string, unknown> & { nodes: RawNode[] };

/** Three bare-metal control planes (cp1–cp3) and two workers (w1, w2), as written in YAML. */
const rawLab = (): RawInventory =>
  parse(
    readFileSync(path.join(root, "test/fixtures/valid/three-control-planes-two-workers.yaml"), "utf8"),
  ) as RawInventory;

const nodeLike = (raw: RawInventory, from: string, name: string, address: string): RawNode => ({
  ...structuredClone(raw.nodes.find((node) => node.name === from)!),
  name,
  address,
});

/** Validated exactly as render and the program validate a stack file: each scenario is a legal one. */
const validated = (raw: RawInventory): ClusterInventory => parseInventory(raw, "lab.yaml");

async function deploy(inventory: ClusterInventory) {
  const recorder = recordPulumi("homelab", inventory.name, talosFakes);
  const { TalosCluster } = await import("../../stacks/talos-cluster");
  const { hostMounts } = chartsOf(inventory);
  const cluster = new TalosCluster(inventory.name, { inventory, hostMounts });
  await Promise.all([valueOf(cluster.healthy), valueOf(cluster.kubeconfig), valueOf(cluster.talosconfig)]);
  return recorder;
}
type Run = Awaited<ReturnType<typeof deploy>>;

const appliesOf = (run: Run) => new Map(run.ofType(types.apply).map((apply) => [apply.name, apply]));
const inputsOf = (registration: Registration) => JSON.stringify(registration.inputs);
const only = (run: Run, type: string) => {
  const [registration, ...more] = run.ofType(type);
  expect(more).toEqual([]);
  return registration;
};
const invocation = (run: Run, token: string) => run.invocations.find((call) => call.token === token)!;
/** The other applies this apply waits for. */
const chainedAfter = (run: Run, name: string) => {
  const applies = appliesOf(run);
  return applies.get(name)!.dependsOn.filter((other) => applies.has(other));
};

describe("adding two control planes (3 → 5) and a worker", () => {
  let before: Run;
  let after: Run;
  beforeAll(async () => {
    const raw = rawLab();
    before = await deploy(validated(raw));
    const grown = rawLab();
    grown.nodes.splice(
      3,
      0,
      nodeLike(grown, "cp3", "cp4", "192.168.10.14"),
      nodeLike(grown, "cp3", "cp5", "192.168.10.15"),
    );
    grown.nodes.push(nodeLike(grown, "w2", "w3", "192.168.10.23"));
    after = await deploy(validated(grown));
  });

  it("adds exactly their applies and changes no other apply's inputs", () => {
    const [was, is] = [appliesOf(before), appliesOf(after)];
    expect([...is.keys()].filter((name) => !was.has(name)).sort()).toEqual(["lab-cp4", "lab-cp5", "lab-w3"]);
    expect([...was.keys()].filter((name) => !is.has(name))).toEqual([]);
    for (const [name, apply] of was) expect(inputsOf(is.get(name)!)).toBe(inputsOf(apply));
  });

  it("chains the new control planes after the last one, and the new worker after the last worker", () => {
    expect(chainedAfter(after, "lab-cp4")).toEqual(["lab-cp3"]);
    expect(chainedAfter(after, "lab-cp5")).toEqual(["lab-cp4"]);
    expect(chainedAfter(after, "lab-w3")).toEqual(["lab-w2"]);
  });

  it("leaves the bootstrap and the kubeconfig as they were", () => {
    for (const type of [types.bootstrap, types.kubeconfig]) {
      expect(inputsOf(only(after, type))).toBe(inputsOf(only(before, type)));
    }
  });

  it("waits for the new nodes in the health gate", () => {
    const health = invocation(after, types.health).inputs;
    expect(health.controlPlaneNodes).toEqual([
      "192.168.10.11",
      "192.168.10.12",
      "192.168.10.13",
      "192.168.10.14",
      "192.168.10.15",
    ]);
    expect(health.workerNodes).toEqual(["192.168.10.21", "192.168.10.22", "192.168.10.23"]);
  });
});

describe("decommissioning a control plane and a worker", () => {
  // Five control planes, so that two may leave and three stay: cp1 (the bootstrap node) and cp3.
  let before: Run;
  let after: Run;
  const grownLab = () => {
    const raw = rawLab();
    raw.nodes.splice(
      3,
      0,
      nodeLike(raw, "cp3", "cp4", "192.168.10.14"),
      nodeLike(raw, "cp3", "cp5", "192.168.10.15"),
    );
    return raw;
  };
  beforeAll(async () => {
    before = await deploy(validated(grownLab()));
    const shrinking = grownLab();
    for (const node of shrinking.nodes) {
      // One control plane per run: two resets at once would leave etcd together.
      if (["cp1", "w1"].includes(node.name)) node.decommission = true;
    }
    after = await deploy(validated(shrinking));
  });

  it("removes exactly their applies and changes no other apply's inputs", () => {
    const [was, is] = [appliesOf(before), appliesOf(after)];
    expect([...was.keys()].filter((name) => !is.has(name)).sort()).toEqual(["lab-cp1", "lab-w1"]);
    expect([...is.keys()].filter((name) => !was.has(name))).toEqual([]);
    for (const [name, apply] of is) expect(inputsOf(apply)).toBe(inputsOf(was.get(name)!));
  });

  it("deletes applies that reset their node gracefully: leave etcd, drain, wipe, power off", () => {
    for (const name of ["lab-cp1", "lab-w1"]) {
      expect(appliesOf(before).get(name)!.inputs.onDestroy).toEqual({
        graceful: true,
        reset: true,
        reboot: false,
      });
    }
  });

  it("re-links the chains over the nodes that stay", () => {
    expect(chainedAfter(after, "lab-cp2")).toEqual([]);
    expect(chainedAfter(after, "lab-cp3")).toEqual(["lab-cp2"]);
    expect(chainedAfter(after, "lab-cp4")).toEqual(["lab-cp3"]);
    expect(chainedAfter(after, "lab-cp5")).toEqual(["lab-cp4"]);
    expect(chainedAfter(after, "lab-w2")).toEqual([]);
  });

  it("still lists them in the health gate, since they run until the end of this update", () => {
    expect(invocation(after, types.health).inputs).toMatchObject({
      controlPlaneNodes: invocation(before, types.health).inputs.controlPlaneNodes,
      workerNodes: invocation(before, types.health).inputs.workerNodes,
      endpoints: ["192.168.10.12", "192.168.10.13", "192.168.10.14", "192.168.10.15"],
    });
  });

  it("keeps the bootstrap where it is, on the leaving cp1: it ignores a new node", () => {
    const [was, is] = [only(before, types.bootstrap), only(after, types.bootstrap)];
    expect(was.inputs.node).toBe("192.168.10.11");
    // The program now names cp2, but the engine keeps the state's node: no replacement, no second bootstrap.
    expect(is.name).toBe(was.name);
    expect(is.inputs.node).toBe("192.168.10.12");
    expect([...is.ignoreChanges].sort()).toEqual(["endpoint", "node"]);
    const withoutNode = (inputs: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== "node"));
    expect(withoutNode(is.inputs)).toEqual(withoutNode(was.inputs));
  });

  it("fetches the kubeconfig and points talosctl at the control planes that stay", () => {
    expect(only(after, types.kubeconfig).inputs.node).toBe("192.168.10.12");
    expect(invocation(after, types.talosconfig).inputs).toMatchObject({
      endpoints: ["192.168.10.12", "192.168.10.13", "192.168.10.14", "192.168.10.15"],
      nodes: ["192.168.10.12", "192.168.10.13", "192.168.10.14", "192.168.10.15", "192.168.10.22"],
    });
  });

  it("forgets them once their entries are deleted, while the next control plane leaves: no other apply changes", async () => {
    // Four control planes would be even: the next round decommissions cp3 as cp1's entry goes.
    const gone = grownLab();
    gone.nodes = gone.nodes.filter((node) => !["cp1", "w1"].includes(node.name));
    for (const node of gone.nodes) if (node.name === "cp3") node.decommission = true;
    const final = await deploy(validated(gone));
    const [was, is] = [appliesOf(after), appliesOf(final)];
    expect([...is.keys()].sort()).toEqual([...was.keys()].filter((name) => name !== "lab-cp3").sort());
    for (const [name, apply] of is) expect(inputsOf(apply)).toBe(inputsOf(was.get(name)!));
    expect(invocation(final, types.health).inputs).toMatchObject({
      controlPlaneNodes: ["192.168.10.12", "192.168.10.13", "192.168.10.14", "192.168.10.15"],
      workerNodes: ["192.168.10.22"],
    });
    expect(inputsOf(only(final, types.bootstrap))).toBe(inputsOf(only(after, types.bootstrap)));
  });
});

describe("render of a cluster with decommissioning nodes", () => {
  it("writes no patches for them and marks them in the cluster README", async () => {
    const { renderCluster } = await import("../../cli/render-cluster");
    const raw = rawLab();
    raw.nodes.push(nodeLike(raw, "cp3", "cp4", "192.168.10.14"));
    for (const node of raw.nodes) if (node.name === "cp1" || node.name === "w2") node.decommission = true;
    const files = renderCluster(validated(raw), "lab.yaml");
    const talosFiles = files
      .map((file) => file.path)
      .filter((file) => /^talos\/(cp|w)\d\.yaml$/.test(file))
      .sort();
    expect(talosFiles).toEqual(["talos/cp2.yaml", "talos/cp3.yaml", "talos/cp4.yaml", "talos/w1.yaml"]);
    const readme = files.find((file) => file.path === "README.md")!.content;
    expect(readme).toMatch(/^\| cp1 \| controlplane \(decommissioning\) \|/m);
    expect(readme).toMatch(/^\| w2 \| worker \(decommissioning\) \|/m);
    expect(readme).toMatch(/^\| cp2 \| controlplane \|/m);
  });
});

describe("every apply of a cluster", () => {
  it("uses the staged mode, the reset on delete and the inventory's apply timeout", async () => {
    const raw = rawLab();
    raw.talos = { applyTimeout: "45m", bootstrapTimeout: "1h", healthTimeout: "1h30m" };
    const run = await deploy(validated(raw));
    const applies = run.ofType(types.apply);
    expect(applies).toHaveLength(5);
    for (const apply of applies) {
      expect(apply.inputs).toMatchObject({
        applyMode: "staged_if_needing_reboot",
        onDestroy: { graceful: true, reset: true, reboot: false },
        timeouts: { create: "45m", update: "45m", delete: "45m" },
      });
    }
    expect(only(run, types.bootstrap).inputs.timeouts).toEqual({ create: "1h" });
    expect(invocation(run, types.health).inputs.timeouts).toEqual({ read: "1h30m" });
  });
});
