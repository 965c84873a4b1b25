import ipaddr from "ipaddr.js";

/** A pod, as NetworkPolicies see it: where it runs and its labels. Pods have no address in this model. */
export interface PodEndpoint {
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * A host-networked pod (MetalLB's speaker, Cilium's agent) shares its node's address and is outside
   * NetworkPolicy: what reaches it, and what it reaches, is not the policies' to say.
   * @default false
   */
  readonly hostNetwork?: boolean;
}

/** Anything outside the cluster's pods: the internet, the LAN, a node. */
export interface AddressEndpoint {
  readonly ip: string;
}

export type Endpoint = PodEndpoint | AddressEndpoint;
export type Protocol = "TCP" | "UDP" | "SCTP";

/**
 * What NetworkPolicy says of a connection: `outside-policy` when no policy can judge it — an end is
 * host-networked, or neither end is a pod.
 */
export type Verdict = "allowed" | "denied" | "outside-policy";

/** Ports `first` to `last`, both included. */
export interface PortSpan {
  readonly first: number;
  readonly last: number;
}

const lowestPort = 1;
const highestPort = 65535;

interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelRequirement[];
}

interface LabelRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values: readonly string[];
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** One entry of `from`/`to`: either an address block (parsed once) or selectors, never both. */
type Peer =
  | { readonly kind: "ipBlock"; readonly cidr: Cidr; readonly except: readonly Cidr[] }
  | {
      readonly kind: "selectors";
      readonly podSelector?: LabelSelector;
      readonly namespaceSelector?: LabelSelector;
    };

interface PortRange {
  readonly protocol: Protocol;
  /** Both absent: every port of the protocol. */
  readonly port?: number;
  readonly endPort?: number;
}

/** `peers` and `ports` undefined when the rule leaves them out (or empty): then they match everything. */
interface Rule {
  readonly peers?: readonly Peer[];
  readonly ports?: readonly PortRange[];
}

interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  /** Undefined when the policy does not isolate that direction; an empty list isolates and allows nothing. */
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
}

const namespaceNameLabel = "kubernetes.io/metadata.name";
const protocols: readonly string[] = ["TCP", "UDP", "SCTP"];

/**
 * Answers whether a connection is allowed by the `networking.k8s.io/v1` NetworkPolicies among a set of
 * synthesized objects, following Kubernetes semantics: a pod is isolated in a direction when any policy
 * selecting it has that policy type; then only the union of those policies' rules lets traffic through.
 * A connection needs egress allowed at the source (if it is a pod) and ingress at the destination (if it
 * is a pod). Namespace labels come from the Namespace objects given, plus `kubernetes.io/metadata.name`,
 * which the API server sets on every namespace. `ipBlock` peers match addresses only, never pods (their
 * behaviour for pod IPs is left to the network plugin). Named ports are not supported and throw.
 * Host-networked pods are outside NetworkPolicy: `verdict` and `allowedPorts` say so, `allowed` throws.
 */
export class NetworkPolicyEvaluator {
  private readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  private readonly policies: readonly Policy[];
  /** The policies isolating a pod, per direction, by endpoint object: the matrix asks of each many times. */
  private readonly isolatingCache = {
    ingress: new WeakMap<PodEndpoint, readonly Policy[]>(),
    egress: new WeakMap<PodEndpoint, readonly Policy[]>(),
  };

  public constructor(objects: readonly unknown[]) {
    const policies: Policy[] = [];
    for (const object of objects) {
      if (!isRecord(object) || !isRecord(object.metadata)) continue;
      if (object.apiVersion === "v1" && object.kind === "Namespace") {
        const name = String(object.metadata.name);
        const labels = isRecord(object.metadata.labels)
          ? (object.metadata.labels as Record<string, string>)
          : {};
        this.namespaceLabels.set(name, { ...labels, [namespaceNameLabel]: name });
      }
      if (object.apiVersion === "networking.k8s.io/v1" && object.kind === "NetworkPolicy") {
        policies.push(parsePolicy(object.metadata, object.spec));
      }
    }
    this.policies = policies;
  }

  /**
   * Whether the policies let `from` open a connection to `to` on `port`.
   * @throws Error when an end is host-networked: NetworkPolicy says nothing there (ask `verdict`)
   */
  public allowed(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    for (const end of [from, to]) {
      if (isHostNetworked(end)) {
        throw new Error(
          `a host-networked pod in ${end.namespace} is outside NetworkPolicy: ask verdict(), not allowed()`,
        );
      }
    }
    const egressAllowed = !isPod(from) || this.admits(from, "egress", to, port, protocol);
    const ingressAllowed = !isPod(to) || this.admits(to, "ingress", from, port, protocol);
    return egressAllowed && ingressAllowed;
  }

  /** `allowed`, or `outside-policy` when no NetworkPolicy can judge the connection. */
  public verdict(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP"): Verdict {
    if (outsidePolicy(from, to)) return "outside-policy";
    return this.allowed(from, to, port, protocol) ? "allowed" : "denied";
  }

  /**
   * Every port of `protocol` on which `from` may open a connection to `to`, as ascending spans, exactly:
   * the ports named by the rules that can apply cut 1–65535 into spans over which the answer cannot
   * change, and `allowed` is asked once per span. `outside-policy` as in `verdict`.
   */
  public allowedPorts(
    from: Endpoint,
    to: Endpoint,
    protocol: Protocol = "TCP",
  ): PortSpan[] | "outside-policy" {
    if (outsidePolicy(from, to)) return "outside-policy";
    // Each isolated end's ports, from the rules whose peers match the other end: peers are matched once,
    // not once per span.
    const egress = isPod(from) ? this.matchingPorts(from, "egress", to) : "all";
    const ingress = isPod(to) ? this.matchingPorts(to, "ingress", from) : "all";
    // Nothing isolates either end: every port, without asking port by port.
    if (egress === "all" && ingress === "all") return [{ first: lowestPort, last: highestPort }];
    const cuts = new Set<number>([lowestPort, highestPort + 1]);
    for (const ranges of [egress, ingress]) {
      if (ranges === "all") continue;
      for (const range of ranges) {
        if (range === "all" || range.protocol !== protocol || range.port === undefined) continue;
        cuts.add(range.port);
        cuts.add((range.endPort ?? range.port) + 1);
      }
    }
    const opens = (ranges: typeof egress, port: number) =>
      ranges === "all" || ranges.some((range) => range === "all" || portMatches(range, port, protocol));
    const bounds = [...cuts]
      .filter((cut) => cut >= lowestPort && cut <= highestPort + 1)
      .sort((a, b) => a - b);
    const spans: PortSpan[] = [];
    for (let index = 0; index + 1 < bounds.length; index++) {
      const first = bounds[index];
      const last = bounds[index + 1] - 1;
      if (!opens(egress, first) || !opens(ingress, first)) continue;
      const previous = spans[spans.length - 1];
      if (previous && previous.last + 1 === first) spans[spans.length - 1] = { first: previous.first, last };
      else spans.push({ first, last });
    }
    return spans;
  }

  /**
   * What `pod`'s policies open in `direction` to `peer`: `all` when none isolates it; otherwise the port
   * ranges of every rule whose peers match (`all` for a rule without ports). An empty list: nothing.
   */
  private matchingPorts(
    pod: PodEndpoint,
    direction: "ingress" | "egress",
    peer: Endpoint,
  ): "all" | (PortRange | "all")[] {
    const isolating = this.isolating(pod, direction);
    if (isolating.length === 0) return "all";
    const ranges: (PortRange | "all")[] = [];
    for (const policy of isolating) {
      for (const rule of policy[direction] ?? []) {
        if (
          rule.peers !== undefined &&
          !rule.peers.some((candidate) => this.peerMatches(candidate, policy, peer))
        ) {
          continue;
        }
        if (rule.ports === undefined) ranges.push("all");
        else ranges.push(...rule.ports);
      }
    }
    return ranges;
  }

  /** The policies that select `pod` and isolate it in `direction`. */
  private isolating(pod: PodEndpoint, direction: "ingress" | "egress"): readonly Policy[] {
    const cache = this.isolatingCache[direction];
    const cached = cache.get(pod);
    if (cached) return cached;
    const found = this.policies.filter(
      (policy) =>
        policy.namespace === pod.namespace &&
        policy[direction] !== undefined &&
        selectorMatches(policy.podSelector, pod.labels ?? {}),
    );
    cache.set(pod, found);
    return found;
  }

  /** Whether `pod` lets traffic with `peer` through in `direction`. */
  private admits(
    pod: PodEndpoint,
    direction: "ingress" | "egress",
    peer: Endpoint,
    port: number,
    protocol: Protocol,
  ): boolean {
    const isolating = this.isolating(pod, direction);
    if (isolating.length === 0) return true;
    return isolating.some((policy) =>
      (policy[direction] ?? []).some(
        (rule) =>
          (rule.peers === undefined ||
            rule.peers.some((candidate) => this.peerMatches(candidate, policy, peer))) &&
          (rule.ports === undefined || rule.ports.some((range) => portMatches(range, port, protocol))),
      ),
    );
  }

  private peerMatches(peer: Peer, policy: Policy, endpoint: Endpoint): boolean {
    if (peer.kind === "ipBlock") {
      return (
        !isPod(endpoint) &&
        inCidr(endpoint.ip, peer.cidr) &&
        !peer.except.some((cidr) => inCidr(endpoint.ip, cidr))
      );
    }
    if (!isPod(endpoint)) return false;
    const namespaceMatches = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, this.labelsOfNamespace(endpoint.namespace))
      : endpoint.namespace === policy.namespace;
    return (
      namespaceMatches && (!peer.podSelector || selectorMatches(peer.podSelector, endpoint.labels ?? {}))
    );
  }

  private labelsOfNamespace(namespace: string): Readonly<Record<string, string>> {
    return this.namespaceLabels.get(namespace) ?? { [namespaceNameLabel]: namespace };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPod(endpoint: Endpoint): endpoint is PodEndpoint {
  return "namespace" in endpoint;
}

function isHostNetworked(endpoint: Endpoint): endpoint is PodEndpoint {
  return isPod(endpoint) && endpoint.hostNetwork === true;
}

/** No policy judges a connection with a host-networked end, nor one between two addresses. */
function outsidePolicy(from: Endpoint, to: Endpoint): boolean {
  return isHostNetworked(from) || isHostNetworked(to) || (!isPod(from) && !isPod(to));
}

function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return (
    Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value) &&
    selector.matchExpressions.every(({ key, operator, values }) => {
      const has = Object.hasOwn(labels, key);
      switch (operator) {
        case "In":
          return has && values.includes(labels[key]);
        case "NotIn":
          return !has || !values.includes(labels[key]);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
      }
    })
  );
}

function portMatches(range: PortRange, port: number, protocol: Protocol): boolean {
  if (range.protocol !== protocol) return false;
  if (range.port === undefined) return true;
  return range.endPort === undefined ? port === range.port : port >= range.port && port <= range.endPort;
}

const parsedAddresses = new Map<string, ipaddr.IPv4 | ipaddr.IPv6>();

function inCidr(ip: string, [network, prefix]: Cidr): boolean {
  let address = parsedAddresses.get(ip);
  if (!address) {
    address = ip.includes(":") ? ipaddr.IPv6.parse(ip) : ipaddr.IPv4.parse(ip);
    // A matrix asks about a handful of addresses thousands of times; a fuzzer may ask about many once.
    if (parsedAddresses.size < 1024) parsedAddresses.set(ip, address);
  }
  return address.kind() === network.kind() && address.match(network, prefix);
}

// Parsing: the synthesized JSON into the shapes above, failing loudly on anything the model cannot judge.

function parsePolicy(metadata: Record<string, unknown>, spec: unknown): Policy {
  const where = `NetworkPolicy ${String(metadata.name)}`;
  if (typeof metadata.namespace !== "string") throw new Error(`${where}: metadata.namespace is required`);
  if (!isRecord(spec)) throw new Error(`${where}: spec is required`);
  // Unset policyTypes: Ingress always, Egress when there is an egress section.
  const policyTypes = Array.isArray(spec.policyTypes)
    ? spec.policyTypes
    : ["Ingress", ...(spec.egress !== undefined ? ["Egress"] : [])];
  const rules = (direction: "ingress" | "egress", peersKey: "from" | "to") =>
    policyTypes.includes(direction === "ingress" ? "Ingress" : "Egress")
      ? listOf(spec[direction], `${where}: spec.${direction}`).map((rule, index) =>
          parseRule(rule, peersKey, `${where}: spec.${direction}[${index}]`),
        )
      : undefined;
  return {
    name: String(metadata.name),
    namespace: metadata.namespace,
    podSelector: parseSelector(spec.podSelector, `${where}: spec.podSelector`),
    ingress: rules("ingress", "from"),
    egress: rules("egress", "to"),
  };
}

function parseRule(rule: unknown, peersKey: "from" | "to", where: string): Rule {
  if (!isRecord(rule)) throw new Error(`${where}: must be an object`);
  const peers = listOf(rule[peersKey], `${where}.${peersKey}`).map((peer, index) =>
    parsePeer(peer, `${where}.${peersKey}[${index}]`),
  );
  const ports = listOf(rule.ports, `${where}.ports`).map((port, index) =>
    parsePort(port, `${where}.ports[${index}]`),
  );
  return { peers: peers.length > 0 ? peers : undefined, ports: ports.length > 0 ? ports : undefined };
}

function parsePeer(peer: unknown, where: string): Peer {
  if (!isRecord(peer)) throw new Error(`${where}: must be an object`);
  const { ipBlock, podSelector, namespaceSelector } = peer;
  if (ipBlock !== undefined) {
    if (podSelector !== undefined || namespaceSelector !== undefined) {
      throw new Error(`${where}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    }
    if (!isRecord(ipBlock) || typeof ipBlock.cidr !== "string")
      throw new Error(`${where}.ipBlock: cidr is required`);
    const except = listOf(ipBlock.except, `${where}.ipBlock.except`).map((cidr) => parseCidr(String(cidr)));
    return { kind: "ipBlock", cidr: parseCidr(ipBlock.cidr), except };
  }
  if (podSelector === undefined && namespaceSelector === undefined) {
    throw new Error(`${where}: needs one of ipBlock, podSelector or namespaceSelector`);
  }
  return {
    kind: "selectors",
    podSelector: podSelector === undefined ? undefined : parseSelector(podSelector, `${where}.podSelector`),
    namespaceSelector:
      namespaceSelector === undefined
        ? undefined
        : parseSelector(namespaceSelector, `${where}.namespaceSelector`),
  };
}

/** `ipaddr.parseCIDR`, without trying IPv6 first on an IPv4 block (render parses many). */
function parseCidr(cidr: string): Cidr {
  return cidr.includes(":") ? ipaddr.IPv6.parseCIDR(cidr) : ipaddr.IPv4.parseCIDR(cidr);
}

function parsePort(port: unknown, where: string): PortRange {
  if (!isRecord(port)) throw new Error(`${where}: must be an object`);
  const protocol = port.protocol ?? "TCP";
  if (typeof protocol !== "string" || !protocols.includes(protocol)) {
    throw new Error(`${where}.protocol: ${JSON.stringify(protocol)} is not TCP, UDP or SCTP`);
  }
  if (typeof port.port === "string") {
    throw new Error(
      `${where}.port: named port ${JSON.stringify(port.port)} is not supported by this evaluator`,
    );
  }
  if (port.port !== undefined && typeof port.port !== "number")
    throw new Error(`${where}.port: must be a number`);
  if (port.endPort !== undefined && (typeof port.endPort !== "number" || port.port === undefined)) {
    throw new Error(`${where}.endPort: must be a number and needs port`);
  }
  return { protocol: protocol as Protocol, port: port.port, endPort: port.endPort as number | undefined };
}

function parseSelector(selector: unknown, where: string): LabelSelector {
  if (!isRecord(selector)) throw new Error(`${where}: must be an object`);
  const matchLabels = selector.matchLabels ?? {};
  if (!isRecord(matchLabels)) throw new Error(`${where}.matchLabels: must be a map`);
  const matchExpressions = listOf(selector.matchExpressions, `${where}.matchExpressions`).map(
    (requirement, index): LabelRequirement => {
      const at = `${where}.matchExpressions[${index}]`;
      if (!isRecord(requirement) || typeof requirement.key !== "string")
        throw new Error(`${at}: key is required`);
      const { operator } = requirement;
      if (operator !== "In" && operator !== "NotIn" && operator !== "Exists" && operator !== "DoesNotExist") {
        throw new Error(
          `${at}.operator: ${JSON.stringify(operator)} is not In, NotIn, Exists or DoesNotExist`,
        );
      }
      const values = listOf(requirement.values, `${at}.values`).map(String);
      return { key: requirement.key, operator, values };
    },
  );
  return { matchLabels: matchLabels as Record<string, string>, matchExpressions };
}

/** An absent list is an empty one; anything else that is not a list is a mistake. */
function listOf(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: must be a list`);
  return value;
}
