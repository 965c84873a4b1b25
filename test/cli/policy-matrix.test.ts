import { NetworkPolicyEvaluator, type Endpoint, type Protocol } from "../../charts/network-policy-evaluator";
import { syntheticInventory } from "../../cli/bench-inventory";
import {
  appsShownOneByOne,
  describeCell,
  matrixSection,
  policyMatrix,
  type MatrixCharts,
  type Party,
  type PolicyMatrix,
} from "../../cli/policy-matrix";
import { renderCluster } from "../../cli/render-cluster";
import { enabledApps, parseInventory, type ClusterInventory } from "../../inventory";
import { chartObjects, renderedClusters } from "../render/rendered-clusters";
import { chartsOf } from "../support/cluster-charts";

/** A one-node cluster with one worker app, on `cni`. */
function smallInventory(cni: "cilium" | "flannel" = "cilium"): ClusterInventory {
  return parseInventory(
    {
      name: "small",
      domain: "small.example.com",
      network: {
        subnet: "10.9.0.0/24",
        gateway: "10.9.0.1",
        nameservers: ["10.9.0.1"],
        vip: "10.9.0.10",
        cni,
        loadBalancerPool: ["10.9.0.200-10.9.0.210"],
      },
      nodes: [
        {
          name: "cp1",
          role: "controlplane",
          address: "10.9.0.11",
          installDisk: "/dev/sda",
          host: { kind: "metal" },
        },
      ],
      gateways: { internal: "10.9.0.200", public: "10.9.0.201" },
      // The matrix takes the platform from the charts it is given; the inventory only has to be valid.
      platform: {
        certManager: { enabled: false },
        envoyGateway: { enabled: false },
        cloudflared: { enabled: false },
        lgtm: { enabled: false },
      },
      apps: [
        {
          name: "crawler",
          profile: "worker",
          source: { git: { repoUrl: "https://github.com/example/crawler", path: "deploy" } },
        },
      ],
    },
    "small.yaml",
  );
}

/** A hand-made component: a server admitting only its client on 8443, the client, and a host-networked speaker. */
const demo: MatrixCharts = {
  components: [
    {
      component: "demo",
      namespace: { name: "demo" },
      workloads: [
        { name: "server", podLabels: { app: "server" } },
        { name: "client", podLabels: { app: "client" } },
        { name: "speaker", podLabels: { app: "speaker" }, hostNetwork: true },
      ],
    },
  ],
  appsContext: {},
};
const demoObjects = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "server", namespace: "demo" },
    spec: {
      podSelector: { matchLabels: { app: "server" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: 8443 }] }],
    },
  },
];

/** The cell of the parties labelled `from` and `to`, as the README writes it. */
function cell(matrix: PolicyMatrix, from: string, to: string): string {
  const row = matrix.parties.findIndex((party) => party.label === from);
  const column = matrix.parties.findIndex((party) => party.label === to);
  if (row < 0 || column < 0) throw new Error(`no party ${row < 0 ? from : to}`);
  return describeCell(matrix.cells[row][column]);
}

describe("the who-may-talk-to-whom matrix", () => {
  it("is computed from the policies: an allow, a deny and a host-networked pod outside policy", () => {
    const matrix = policyMatrix(smallInventory(), demo, demoObjects);
    expect({
      allowed: cell(matrix, "demo · client", "demo · server"),
      denied: cell(matrix, "the internet", "demo · server"),
      deniedToApp: cell(matrix, "demo · server", "app crawler"),
      open: cell(matrix, "demo · server", "demo · client"),
      toSpeaker: cell(matrix, "demo · client", "demo · speaker"),
      fromSpeaker: cell(matrix, "demo · speaker", "demo · server"),
      appToDns: cell(matrix, "app crawler", "kube-dns"),
      appToInternet: cell(matrix, "app crawler", "the internet"),
      appToLan: cell(matrix, "app crawler", "the LAN"),
      toApi: cell(matrix, "demo · client", "Kubernetes API (:6443)"),
    }).toEqual({
      allowed: "TCP 8443",
      denied: "—",
      deniedToApp: "—",
      open: "any",
      toSpeaker: "outside policy",
      fromSpeaker: "outside policy",
      appToDns: "TCP 53; UDP 53",
      appToInternet: "any",
      appToLan: "—",
      toApi: "TCP 6443",
    });
    expect(matrix.enforced).toBe(true);
    // Without the policy the server admits anyone (and reads as one party with its client): nothing is hard-coded.
    const open = policyMatrix(smallInventory(), demo, demoObjects.slice(0, 1));
    expect(cell(open, "the internet", "demo · server, client")).toBe("any");
  });

  it("reads a component without described pods as its namespace, and merges alike workloads", () => {
    const charts: MatrixCharts = {
      components: [
        { component: "opaque", namespace: { name: "opaque" } },
        {
          component: "twins",
          namespace: { name: "twins" },
          workloads: [
            { name: "a", podLabels: { app: "a" } },
            { name: "b", podLabels: { app: "b" } },
          ],
        },
      ],
      appsContext: {},
    };
    const labels = policyMatrix(smallInventory(), charts, []).parties.map((party) => party.label);
    expect(labels).toEqual([
      "opaque",
      "twins · a, b",
      "kube-dns",
      "Kubernetes API (:6443)",
      "app crawler",
      "the LAN",
      "the internet",
    ]);
    expect(matrixSection(policyMatrix(smallInventory(), charts, []))).toContain(
      "`opaque`: the component does not describe its pods yet",
    );
  });

  it("marks a flannel cluster: policies not enforced", () => {
    const flannel = matrixSection(policyMatrix(smallInventory("flannel"), demo, demoObjects));
    const cilium = matrixSection(policyMatrix(smallInventory("cilium"), demo, demoObjects));
    expect(flannel).toContain("**Policies not enforced.**");
    expect(cilium).not.toContain("not enforced");
  });
});

const probePorts = [1, 22, 53, 80, 443, 2000, 4317, 6443, 8080, 9090, 10443, 51413, 65535];

/** What a cell says of one port: the inverse of `describePorts`. */
function cellAllows(text: string, port: number, protocol: Protocol): boolean | "outside-policy" {
  if (text === "outside policy") return "outside-policy";
  if (text === "any") return true;
  if (text === "—") return false;
  const part = text.split("; ").find((entry) => entry.startsWith(`${protocol} `));
  if (!part) return false;
  const spans = part.slice(protocol.length + 1);
  if (spans === "any") return true;
  return spans.split(", ").some((span) => {
    const [first, last = first] = span.split("–").map(Number);
    return port >= first && port <= last;
  });
}

/** The ports a cell names, their neighbours, and the probes. */
function portsToAsk(text: string): number[] {
  const named = [...text.matchAll(/\d+/g)].map(([digits]) => Number(digits));
  return [...new Set([...probePorts, ...named.flatMap((port) => [port - 1, port, port + 1])])].filter(
    (port) => port >= 1 && port <= 65535,
  );
}

/** The README's matrix rows, by party label: the cells, left to right. */
function readmeRows(readme: string): Map<string, string[]> {
  const section = readme.slice(readme.indexOf("## Who may talk to whom"));
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const match = /^\| (\d+) \| (.+) \|$/.exec(line);
    if (match) {
      const [label, ...cells] = match[2].split(" | ");
      rows.set(label, cells);
    }
  }
  return rows;
}

interface Pair {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly text: string;
  readonly name: string;
  /** The destination's own ports, when it is only those (the API server on a control plane's address). */
  readonly only?: Party["ports"];
}

/** Every mismatch between the cells and a fresh evaluator of all the cluster's objects, on the ports asked. */
function disagreements(evaluator: NetworkPolicyEvaluator, pairs: readonly Pair[]): string[] {
  const wrong: string[] = [];
  for (const { from, to, text, name, only } of pairs) {
    for (const protocol of ["TCP", "UDP"] as const) {
      const own = only?.filter((entry) => entry.protocol === protocol).map(({ port }) => port);
      for (const port of own ?? portsToAsk(text)) {
        const said = cellAllows(text, port, protocol);
        const verdict = evaluator.verdict(from, to, port, protocol);
        const expected = said === "outside-policy" ? "outside-policy" : said ? "allowed" : "denied";
        if (verdict !== expected)
          wrong.push(`${name} ${protocol} ${port}: README "${text}", evaluator ${verdict}`);
      }
    }
  }
  return wrong;
}

describe("the matrix in every rendered cluster's README", () => {
  const clusters = renderedClusters();

  it.each(clusters.map((cluster) => [cluster.source, cluster] as const))(
    "%s: the section is there and its cells agree with the evaluator",
    (_source, { inventory, source, charts, objects }) => {
      const readme = renderCluster(inventory, source).find((file) => file.path === "README.md")!.content;
      expect(readme).toContain("## Who may talk to whom");
      expect(readme.includes("**Policies not enforced.**")).toBe(inventory.network.cni === "flannel");
      const matrix = policyMatrix(inventory, charts, objects);
      const rows = readmeRows(readme);
      expect([...rows.keys()]).toEqual(matrix.parties.map((party) => party.label));
      // Every party's cell to and from kube-dns, the API, the LAN, the internet and the first and last
      // parties — asked of an evaluator of every object the cluster renders, apps and all.
      const evaluator = new NetworkPolicyEvaluator(objects);
      const labels = matrix.parties.map((party) => party.label);
      const anchors = new Set([
        0,
        labels.indexOf("kube-dns"),
        labels.indexOf("Kubernetes API (:6443)"),
        labels.indexOf("the LAN"),
        labels.indexOf("the internet"),
        labels.length - 1,
        ...labels.flatMap((label, index) => (label.startsWith("app ") ? [index] : [])),
      ]);
      const pairs = matrix.parties.flatMap((party, row) =>
        matrix.parties.flatMap((other, column) =>
          anchors.has(row) || anchors.has(column)
            ? party.sources.flatMap((from) =>
                other.destinations.map((to) => ({
                  from,
                  to,
                  text: rows.get(party.label)![column].replace(/ \(for some of its addresses: .*\)$/, ""),
                  name: `${party.label} → ${other.label}`,
                  only: other.ports,
                })),
              )
            : [],
        ),
      );
      expect(pairs.length).toBeGreaterThan(0);
      expect(disagreements(evaluator, pairs)).toEqual([]);
    },
  );

  it("groups the apps of a big cluster, and each group's cells hold for every app of the group", () => {
    const inventory = parseInventory(syntheticInventory(60), "bench");
    const charts = chartsOf(inventory);
    const objects = chartObjects(charts);
    const matrix = policyMatrix(inventory, charts, objects);
    expect(enabledApps(inventory).length).toBeGreaterThan(appsShownOneByOne);
    const groups = matrix.appGroups ?? [];
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.reduce((sum, group) => sum + group.apps.length, 0)).toBe(enabledApps(inventory).length);

    // Every app of a group, unless it calls or is called by another app, against every non-app party.
    const evaluator = new NetworkPolicyEvaluator(objects);
    const byName = new Map(enabledApps(inventory).map((app) => [app.name, app]));
    const related = new Set(
      enabledApps(inventory).flatMap((app) => (app.allowTo.length ? [app.name, ...app.allowTo] : [])),
    );
    const others = matrix.parties
      .map((party, index) => ({ party, index }))
      .filter(({ party }) => party.kind !== "app-group");
    const pairs = groups.flatMap((group) => {
      const row = matrix.parties.findIndex((party) => party.label === group.label);
      return group.apps
        .filter((name) => !related.has(name))
        .flatMap((name) => {
          const app = byName.get(name)!;
          const pod: Endpoint = { namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } };
          return others.flatMap(({ party, index }) => [
            ...party.destinations.map((to) => ({
              from: pod,
              to,
              text: describeCell(matrix.cells[row][index]),
              name: `${name} → ${party.label}`,
              only: party.ports,
            })),
            ...party.sources.map((from) => ({
              from,
              to: pod,
              text: describeCell(matrix.cells[index][row]),
              name: `${party.label} → ${name}`,
            })),
          ]);
        });
    });
    expect(disagreements(evaluator, pairs)).toEqual([]);
  });

  it("stays small however many apps there are", () => {
    const sizes = [60, 600].map((count) => {
      const inventory = parseInventory(syntheticInventory(count), "bench");
      const charts = chartsOf(inventory, { deferApps: true });
      const objects = [charts.namespaces, ...charts.components.map((component) => component.chart)].flatMap(
        (chart) => chart.toJson(),
      );
      return matrixSection(policyMatrix(inventory, charts, objects)).length;
    });
    expect(sizes[1]).toBeLessThan(sizes[0] + 100);
    expect(sizes[1]).toBeLessThan(14_000);
  });
});
