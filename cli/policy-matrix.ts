import { App, Chart } from "cdk8s";
import { addApps, type AppsContext } from "../charts/apps";
import {
  NetworkPolicyEvaluator,
  type Endpoint,
  type PodEndpoint,
  type PortSpan,
  type Protocol,
} from "../charts/network-policy-evaluator";
import type { ComponentWorkload } from "../constructs/platform-component";
import { code, markdownTable } from "./markdown";
import {
  cidrRange,
  controlPlaneNodes,
  enabledApps,
  fromNumber,
  poolRanges,
  toNumber,
  type App as AppEntry,
  type ClusterInventory,
} from "../inventory";

/**
 * The who-may-talk-to-whom matrix of a cluster: its parties (platform workloads, apps, kube-dns, the
 * Kubernetes API, the LAN, the internet) and, for each ordered pair, the ports on which the first may
 * open connections to the second — asked of the cluster's NetworkPolicies by the evaluator.
 */
export interface PolicyMatrix {
  /** False on flannel, which ignores NetworkPolicy: the matrix is what the policies say, not what happens. */
  readonly enforced: boolean;
  readonly parties: readonly Party[];
  /** `cells[row][column]`: what the row may open to the column. */
  readonly cells: readonly (readonly Cell[])[];
  /** Set when apps are shown as groups of identical apps rather than one by one. */
  readonly appGroups?: readonly AppGroup[];
  /** The first call between apps (`allowTo`) of a grouped cluster, which the groups do not show. */
  readonly exampleCall?: {
    readonly caller: string;
    readonly callee: string;
    readonly cell: Cell;
    readonly calls: number;
  };
  /** The addresses standing for the LAN and the internet. */
  readonly lanAddress: string;
  readonly internetAddress: string;
}

export type PartyKind = "component" | "cni" | "kube-dns" | "api" | "app" | "app-group" | "lan" | "internet";

export interface Party {
  readonly kind: PartyKind;
  /** What the README calls it: `cert-manager · webhook`, `app wiki`. */
  readonly label: string;
  /** Where it opens connections from (one or more endpoints: the API server runs on every control plane). */
  readonly sources: readonly Endpoint[];
  /** Where it is reached. */
  readonly destinations: readonly Endpoint[];
  /** Only these ports are this party (the API server on a control plane's address); otherwise every port. */
  readonly ports?: readonly { readonly protocol: Protocol; readonly port: number }[];
  /** True when the component's pods are not described, so its namespace stands for them all. */
  readonly wholeNamespace?: boolean;
}

/** TCP and UDP ports, each as ascending spans; SCTP is left out of the matrix. */
export interface PortSet {
  readonly TCP: readonly PortSpan[];
  readonly UDP: readonly PortSpan[];
}

/**
 * `outside-policy`: an end is host-networked (or neither end is a pod). Otherwise the ports open from
 * every source endpoint to every destination endpoint (`always`), and, when some pairs differ, the
 * ports open for at least one (`some`).
 */
export type Cell =
  | { readonly kind: "outside-policy" }
  | { readonly kind: "ports"; readonly always: PortSet; readonly some?: PortSet };

/** Apps with the same profile, gateways, pod ports and torrent port: one row of a grouped matrix. */
export interface AppGroup {
  readonly label: string;
  readonly apps: readonly string[];
  /** The app whose policies stand for the group. */
  readonly representative: string;
  /** From one app of the group to another (different namespaces, no `allowTo` between them), when there are two. */
  readonly betweenTwo?: Cell;
}

/** What the matrix needs of `ClusterCharts` (`workloads` appear as the constructs describe their pods). */
export interface MatrixCharts {
  readonly components: readonly {
    readonly component: string;
    readonly namespace?: { readonly name: string };
    readonly workloads?: readonly ComponentWorkload[];
  }[];
  readonly cni?: {
    readonly name: string;
    readonly namespace: string;
    readonly workloads: readonly ComponentWorkload[];
  };
  readonly appsContext: AppsContext;
}

/** Up to this many enabled apps are parties one by one; more are grouped. */
export const appsShownOneByOne = 12;
export const internetAddress = "1.1.1.1";
const appNameLabel = "app.kubernetes.io/name";
const apiServerPort = 6443;
const protocols = ["TCP", "UDP"] as const;

/**
 * The matrix of a cluster. `platformObjects` are the cluster's rendered objects other than the apps'
 * (their Namespaces and NetworkPolicies count). `appObjects`, the apps' rendered objects, serve when
 * the apps are shown one by one; otherwise, and when absent, the apps the matrix shows are built here
 * with the same code as render's (a cluster of thousands of apps is shown by a few of them).
 */
export function policyMatrix(
  inventory: ClusterInventory,
  charts: MatrixCharts,
  platformObjects: readonly unknown[],
  appObjects?: readonly unknown[],
): PolicyMatrix {
  const apps = enabledApps(inventory);
  const grouped = apps.length > appsShownOneByOne;
  const plan = grouped ? groupApps(apps) : undefined;
  const calls = apps.flatMap((app) => app.allowTo.map((callee) => ({ caller: app.name, callee })));
  const exampleCall = grouped ? calls[0] : undefined;
  const built = new Set<string>(
    grouped
      ? [
          ...plan!.flatMap((group) => [group.representative, ...(group.second ? [group.second] : [])]),
          ...(exampleCall ? [exampleCall.caller, exampleCall.callee] : []),
        ]
      : apps.map((app) => app.name),
  );
  const appPolicies =
    !grouped && appObjects
      ? appObjects
      : built.size === 0
        ? []
        : appsChartJson(inventory, charts.appsContext, built);
  const evaluator = new NetworkPolicyEvaluator([...platformObjects, ...appPolicies]);
  const byName = new Map(apps.map((app) => [app.name, app]));
  const appEndpoint = (name: string): PodEndpoint => {
    const app = byName.get(name)!;
    return { namespace: app.namespace, labels: { [appNameLabel]: app.name } };
  };

  const lanAddress = lanAddressOf(inventory);
  const controlPlanes = controlPlaneNodes(inventory).map((node) => node.address);
  const appParties: Party[] = grouped
    ? plan!.map((group) => single("app-group", group.label, appEndpoint(group.representative)))
    : apps.map((app) => single("app", `app ${app.name}`, appEndpoint(app.name)));
  const raw: Party[] = [
    ...(charts.cni
      ? workloadParties("cni", charts.cni.name, charts.cni.namespace, charts.cni.workloads)
      : []),
    ...charts.components.flatMap((component) =>
      component.namespace
        ? workloadParties("component", component.component, component.namespace.name, component.workloads)
        : [],
    ),
    single("kube-dns", "kube-dns", { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }),
    {
      kind: "api",
      label: `Kubernetes API (:${apiServerPort})`,
      sources: controlPlanes.map((ip) => ({ ip })),
      destinations: [...controlPlanes, inventory.network.vip].map((ip) => ({ ip })),
      ports: [{ protocol: "TCP", port: apiServerPort }],
    },
    ...appParties,
    single("lan", "the LAN", { ip: lanAddress }),
    single("internet", "the internet", { ip: internetAddress }),
  ];
  const rawCells = raw.map((from) => raw.map((to) => cellOf(evaluator, from, to)));
  const { parties, cells } = mergeIdenticalWorkloads(raw, rawCells);

  return {
    enforced: inventory.network.cni !== "flannel",
    parties,
    cells,
    appGroups: plan?.map((group) => ({
      label: group.label,
      apps: group.apps,
      representative: group.representative,
      betweenTwo: group.second
        ? cellOf(
            evaluator,
            single("app", group.representative, appEndpoint(group.representative)),
            single("app", group.second, appEndpoint(group.second)),
          )
        : undefined,
    })),
    exampleCall: exampleCall && {
      ...exampleCall,
      cell: cellOf(
        evaluator,
        single("app", exampleCall.caller, appEndpoint(exampleCall.caller)),
        single("app", exampleCall.callee, appEndpoint(exampleCall.callee)),
      ),
      calls: calls.length,
    },
    lanAddress,
    internetAddress,
  };
}

function single(kind: PartyKind, label: string, endpoint: Endpoint): Party {
  return { kind, label, sources: [endpoint], destinations: [endpoint] };
}

/** One party per described workload; a component that describes none is its namespace, as one party. */
function workloadParties(
  kind: "component" | "cni",
  component: string,
  namespace: string,
  workloads: readonly ComponentWorkload[] | undefined,
): Party[] {
  if (!workloads || workloads.length === 0) {
    return [{ ...single(kind, component, { namespace, labels: {} }), wholeNamespace: true }];
  }
  return workloads.map((workload) =>
    single(kind, `${component} · ${workload.name}`, {
      namespace,
      labels: { ...workload.podLabels },
      hostNetwork: workload.hostNetwork === true,
    }),
  );
}

/** The apps' objects: only `names`, with their halves of the calls between them. */
function appsChartJson(
  inventory: ClusterInventory,
  context: AppsContext,
  names: ReadonlySet<string>,
): unknown[] {
  const chart = new Chart(new App(), "policy-matrix-apps");
  addApps(chart, inventory, context, names);
  return chart.toJson();
}

interface PlannedGroup {
  readonly label: string;
  readonly apps: string[];
  representative: string;
  second?: string;
}

/**
 * Apps alike to NetworkPolicy — same profile, same pod ports on the same gateways, same torrent port —
 * in order of first appearance. Each group is shown by a representative chosen, where the group allows,
 * among apps with no call (`allowTo`) to or from another app, and a second one for "one app of the
 * group to another".
 */
function groupApps(apps: readonly AppEntry[]): PlannedGroup[] {
  const related = new Set<string>();
  for (const app of apps) {
    if (app.allowTo.length > 0) related.add(app.name);
    for (const callee of app.allowTo) related.add(callee);
  }
  const groups = new Map<string, PlannedGroup>();
  for (const app of apps) {
    const exposures = [
      ...new Set(app.expose.map((exposure) => `${exposure.gateway} :${exposure.targetPort}`)),
    ].sort();
    const torrent = app.torrentPort === undefined ? [] : [`torrent :${app.torrentPort}`];
    const label = [app.profile, ...(exposures.length > 0 ? exposures : ["no gateway"]), ...torrent].join(
      ", ",
    );
    const group = groups.get(label) ?? { label, apps: [], representative: app.name };
    group.apps.push(app.name);
    groups.set(label, group);
  }
  for (const group of groups.values()) {
    const unrelated = group.apps.filter((name) => !related.has(name));
    const [first, second] = unrelated.length > 0 ? unrelated : group.apps;
    group.representative = first;
    group.second = unrelated.length >= 2 ? second : undefined;
  }
  return [...groups.values()];
}

/** An address of the node LAN that nothing of the cluster holds: not a node, the router, the VIP or the pool. */
function lanAddressOf(inventory: ClusterInventory): string {
  const { network } = inventory;
  const subnet = cidrRange(network.subnet);
  const taken = new Set(
    [
      network.gateway,
      network.vip,
      inventory.gateways.internal,
      inventory.gateways.public,
      ...inventory.nodes.map((node) => node.address),
    ].map(toNumber),
  );
  const pools = poolRanges(inventory);
  // From the top of the subnet down, below the broadcast address.
  for (let candidate = subnet.last - 1; candidate > subnet.first; candidate--) {
    if (
      !taken.has(candidate) &&
      !pools.some((range) => range.first <= candidate && candidate <= range.last)
    ) {
      return fromNumber(candidate);
    }
  }
  // Validation leaves room in every subnet; a full one still has its router's neighbours outside the cluster.
  return network.gateway;
}

function cellOf(evaluator: NetworkPolicyEvaluator, from: Party, to: Party): Cell {
  if (from.sources.length === 1 && to.destinations.length === 1) {
    const tcp = evaluator.allowedPorts(from.sources[0], to.destinations[0], "TCP");
    if (tcp === "outside-policy") return { kind: "outside-policy" };
    const udp = evaluator.allowedPorts(from.sources[0], to.destinations[0], "UDP") as PortSpan[];
    return {
      kind: "ports",
      always: { TCP: restrict(tcp, "TCP", to.ports), UDP: restrict(udp, "UDP", to.ports) },
    };
  }
  const answers: PortSet[] = [];
  for (const source of from.sources) {
    for (const destination of to.destinations) {
      const spans = protocols.map((protocol) => evaluator.allowedPorts(source, destination, protocol));
      if (spans.some((answer) => answer === "outside-policy")) return { kind: "outside-policy" };
      const [tcp, udp] = spans as PortSpan[][];
      answers.push({ TCP: restrict(tcp, "TCP", to.ports), UDP: restrict(udp, "UDP", to.ports) });
    }
  }
  const always = answers.reduce(intersectSets);
  const some = answers.reduce(uniteSets);
  return samePortSet(always, some) ? { kind: "ports", always } : { kind: "ports", always, some };
}

/** Only the party's own ports, when it has a list. */
function restrict(spans: readonly PortSpan[], protocol: Protocol, ports: Party["ports"]): PortSpan[] {
  if (!ports) return [...spans];
  const own = ports
    .filter((entry) => entry.protocol === protocol)
    .map(({ port }) => ({ first: port, last: port }));
  return intersectSpans(spans, own);
}

function intersectSpans(a: readonly PortSpan[], b: readonly PortSpan[]): PortSpan[] {
  const result: PortSpan[] = [];
  for (const x of a) {
    for (const y of b) {
      const first = Math.max(x.first, y.first);
      const last = Math.min(x.last, y.last);
      if (first <= last) result.push({ first, last });
    }
  }
  return normalize(result);
}

function uniteSpans(a: readonly PortSpan[], b: readonly PortSpan[]): PortSpan[] {
  return normalize([...a, ...b]);
}

/** Sorted, overlapping and adjacent spans joined. */
function normalize(spans: readonly PortSpan[]): PortSpan[] {
  const sorted = [...spans].sort((x, y) => x.first - y.first);
  const result: PortSpan[] = [];
  for (const span of sorted) {
    const previous = result[result.length - 1];
    if (previous && span.first <= previous.last + 1) {
      result[result.length - 1] = { first: previous.first, last: Math.max(previous.last, span.last) };
    } else result.push(span);
  }
  return result;
}

const intersectSets = (a: PortSet, b: PortSet): PortSet => ({
  TCP: intersectSpans(a.TCP, b.TCP),
  UDP: intersectSpans(a.UDP, b.UDP),
});
const uniteSets = (a: PortSet, b: PortSet): PortSet => ({
  TCP: uniteSpans(a.TCP, b.TCP),
  UDP: uniteSpans(a.UDP, b.UDP),
});

function samePortSet(a: PortSet, b: PortSet): boolean {
  const same = (x: readonly PortSpan[], y: readonly PortSpan[]) =>
    x.length === y.length &&
    x.every((span, index) => span.first === y[index].first && span.last === y[index].last);
  return same(a.TCP, b.TCP) && same(a.UDP, b.UDP);
}

/**
 * Workloads of one component whose rows and columns are the same, and that reach each other as they
 * reach themselves, read as one party: `cert-manager · controller, cainjector`.
 */
function mergeIdenticalWorkloads(
  parties: readonly Party[],
  cells: readonly (readonly Cell[])[],
): { parties: Party[]; cells: Cell[][] } {
  const componentOf = (party: Party) =>
    (party.kind === "component" || party.kind === "cni") && !party.wholeNamespace
      ? party.label.slice(0, party.label.indexOf(" · "))
      : undefined;
  const text = cells.map((row) => row.map(describeCell));
  const alike = (i: number, j: number) =>
    parties.every((_, k) => k === i || k === j || (text[i][k] === text[j][k] && text[k][i] === text[k][j])) &&
    [text[i][j], text[j][i], text[j][j]].every((cell) => cell === text[i][i]);
  const keep: number[] = [];
  const members = new Map<number, string[]>();
  parties.forEach((party, index) => {
    const component = componentOf(party);
    const into =
      component === undefined
        ? undefined
        : keep.find((kept) => componentOf(parties[kept]) === component && alike(kept, index));
    if (into === undefined) {
      keep.push(index);
      members.set(index, [party.label]);
    } else members.get(into)!.push(party.label);
  });
  return {
    parties: keep.map((index) => {
      const [first, ...others] = members.get(index)!;
      const party = parties[index];
      if (others.length === 0) return party;
      const component = componentOf(party)!;
      return {
        ...party,
        label: `${first}, ${others.map((label) => label.slice(component.length + 3)).join(", ")}`,
      };
    }),
    cells: keep.map((row) => keep.map((column) => cells[row][column])),
  };
}

// Words: how a cell reads in the README.

function describeSpans(spans: readonly PortSpan[]): string {
  return spans.map(({ first, last }) => (first === last ? `${first}` : `${first}–${last}`)).join(", ");
}

const isAll = (spans: readonly PortSpan[]) =>
  spans.length === 1 && spans[0].first === 1 && spans[0].last === 65535;

/** `any`, `TCP any`, `TCP 53, 443; UDP 53`, or `—` for nothing. */
export function describePorts(set: PortSet): string {
  if (isAll(set.TCP) && isAll(set.UDP)) return "any";
  const parts = protocols
    .filter((protocol) => set[protocol].length > 0)
    .map((protocol) => `${protocol} ${isAll(set[protocol]) ? "any" : describeSpans(set[protocol])}`);
  return parts.length === 0 ? "—" : parts.join("; ");
}

export function describeCell(cell: Cell): string {
  if (cell.kind === "outside-policy") return "outside policy";
  const always = describePorts(cell.always);
  return cell.some ? `${always} (for some of its addresses: ${describePorts(cell.some)})` : always;
}

/** The README section: the matrix, numbered so that its columns stay narrow, and how to read it. */
export function matrixSection(matrix: PolicyMatrix): string {
  const { parties, cells } = matrix;
  const parts: string[] = ["## Who may talk to whom"];
  if (!matrix.enforced) {
    parts.push(
      `**Policies not enforced.** This cluster's CNI is ${code("flannel")}, which ignores NetworkPolicy: every pod may reach every other pod and every address. The table shows what the policies would allow under a CNI that enforces them (${code("network.cni: cilium")}).`,
    );
  }
  parts.push(
    "Each cell: the ports on which the row may open connections to the column (replies always pass), as the cluster's NetworkPolicies allow them — TCP and UDP; **any**: every port of both; **—**: none; **outside policy**: a host-networked pod, which shares its node's address and which NetworkPolicy does not govern, or traffic between two addresses. Computed by the NetworkPolicy evaluator from the rendered policies.",
  );
  parts.push(
    markdownTable(
      ["", "from ↓ to →", ...parties.map((_, index) => String(index + 1))],
      parties.map((party, row) => [
        String(row + 1),
        party.label,
        ...parties.map((_, column) => describeCell(cells[row][column])),
      ]),
    ),
  );
  const notes: string[] = [];
  const wholeNamespaces = parties.filter((party) => party.wholeNamespace).map((party) => code(party.label));
  if (wholeNamespaces.length > 0) {
    notes.push(
      `${wholeNamespaces.join(", ")}: the component does not describe its pods yet, so a pod of its namespace without labels stands for them all.`,
    );
  }
  notes.push(
    `The Kubernetes API: the control planes' addresses and the VIP, port ${apiServerPort} only. The LAN: ${code(matrix.lanAddress)}, an address of the node LAN that no node, router, VIP or pool holds. The internet: ${code(matrix.internetAddress)}. A row that admits "any address" (the gateways' listeners, the webhooks' callers) admits the Kubernetes API's addresses too: they are addresses like any other to an \`ipBlock\`.`,
  );
  if (matrix.appGroups) {
    notes.push(
      `More than ${appsShownOneByOne} apps: each app row stands for a group of apps that NetworkPolicy sees alike (profile, gateways with pod ports, torrent port), asked of one app of the group that calls no other app and is called by none where the group has one.`,
    );
  }
  parts.push(notes.join(" "));
  if (matrix.appGroups) {
    parts.push(
      markdownTable(
        ["app group", "apps", "for example", "one app of the group to another"],
        matrix.appGroups.map((group) => [
          group.label,
          String(group.apps.length),
          group.apps.slice(0, 3).join(", ") + (group.apps.length > 3 ? ", …" : ""),
          group.betweenTwo ? describeCell(group.betweenTwo) : "(a single app)",
        ]),
      ),
    );
  }
  if (matrix.exampleCall) {
    const { caller, callee, cell, calls } = matrix.exampleCall;
    parts.push(
      `Calls between apps (${code("allowTo")}, ${calls} in all) are not in the groups: each opens the callee's namespace to the caller's, as ${code(caller)} → ${code(callee)}: ${describeCell(cell)}.`,
    );
  }
  return parts.join("\n\n");
}
