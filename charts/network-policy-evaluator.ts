import ipaddr from "ipaddr.js";

/** A pod, as NetworkPolicies see it: where it runs and its labels. Pods have no address in this model. */
export interface PodEndpoint {
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Anything outside the cluster's pods: the internet, the LAN, a node. */
export interface AddressEndpoint {
  readonly ip: string;
}

export type Endpoint = PodEndpoint | AddressEndpoint;
export type Protocol = "TCP" | "UDP" | "SCTP";

interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelRequirement[];
}

interface LabelRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values: readonly string[];
}

/** One entry of `from`/`to`: either an address block or selectors, never both. */
type Peer =
  | { readonly kind: "ipBlock"; readonly cidr: string; readonly except: readonly string[] }
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
 */
export class NetworkPolicyEvaluator {
  private readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  private readonly policies: readonly Policy[];

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

  public allowed(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
    const egressAllowed = !isPod(from) || this.admits(from, "egress", to, port, protocol);
    const ingressAllowed = !isPod(to) || this.admits(to, "ingress", from, port, protocol);
    return egressAllowed && ingressAllowed;
  }

  /** Whether `pod` lets traffic with `peer` through in `direction`. */
  private admits(
    pod: PodEndpoint,
    direction: "ingress" | "egress",
    peer: Endpoint,
    port: number,
    protocol: Protocol,
  ): boolean {
    const isolating = this.policies.filter(
      (policy) =>
        policy.namespace === pod.namespace &&
        policy[direction] !== undefined &&
        selectorMatches(policy.podSelector, pod.labels ?? {}),
    );
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

function inCidr(ip: string, cidr: string): boolean {
  const address = ipaddr.parse(ip);
  const [network, prefix] = ipaddr.parseCIDR(cidr);
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
    const except = listOf(ipBlock.except, `${where}.ipBlock.except`).map(String);
    for (const cidr of [ipBlock.cidr, ...except]) ipaddr.parseCIDR(cidr);
    return { kind: "ipBlock", cidr: ipBlock.cidr, except };
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
