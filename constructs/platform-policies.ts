import { isIP } from "net";
import { k8s } from "cdk8s-plus-30";
import { Construct } from "constructs";
import {
  addNetworkPolicy,
  kubeDnsPeer,
  namespacePeer,
  nonInternetRanges,
  portRule,
} from "./network-profiles";
import type { ComponentWorkload } from "./platform-component";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/**
 * Where the Kubernetes API is, as NetworkPolicies must name it. The API server runs host-networked on the
 * control planes; under a kube-proxy replacement (Cilium) the `kubernetes` Service is translated when a
 * pod connects, so policies see the backend — a control plane's address — and the port it listens on.
 */
export interface KubernetesApiAccess {
  /** Every address a pod may reach the API at: each control plane's, and the control-plane VIP. */
  readonly addresses: readonly string[];
  /**
   * The control planes' own addresses: where kube-apiserver calls admission webhooks from.
   */
  readonly controlPlaneAddresses: readonly string[];
  /**
   * Further ranges kube-apiserver's calls to webhooks may come from. Under Cilium's tunnel routing a node
   * reaches a pod on another node from its router address (`cilium_host`), which lies in the pod network,
   * not from its LAN address; an `ipBlock` of the pod network matches those router addresses (with
   * `policyCIDRMatchMode: nodes`) and never a pod.
   * @default - none
   */
  readonly webhookCallerRanges?: readonly string[];
  /** The API server's port on those addresses (Talos: 6443). */
  readonly port: number;
}

/** Some pods of another component, known before that component is built (the tunnel's connectors). */
export interface PodsRef {
  /** The namespace the pods run in. */
  readonly namespace: string;
  /** Labels that select exactly those pods in `namespace`. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** A single address as an `ipBlock` CIDR: `/32` (or `/128`). */
function hostCidr(address: string): string {
  const family = isIP(address);
  if (family === 0) throw new Error(`"${address}" is not an IP address`);
  return `${address}/${family === 4 ? 32 : 128}`;
}

/** The pods of one namespace that carry `labels`. */
export function podsPeer(namespace: string, labels: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer {
  return { ...namespacePeer(namespace), podSelector: { matchLabels: { ...labels } } };
}

/** TCP ports. */
export function tcpPorts(...ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => portRule(port, "TCP"));
}

/** Egress to the Kubernetes API: each of its addresses, on its port. */
export function apiServerEgress(api: KubernetesApiAccess): k8s.NetworkPolicyEgressRule {
  return {
    to: api.addresses.map((address) => ({ ipBlock: { cidr: hostCidr(address) } })),
    ports: tcpPorts(api.port),
  };
}

/** Ingress from kube-apiserver (host-networked on the control planes) to an admission webhook's pod port. */
export function webhookIngress(api: KubernetesApiAccess, podPort: number): k8s.NetworkPolicyIngressRule {
  return {
    from: [
      ...api.controlPlaneAddresses.map((address) => ({ ipBlock: { cidr: hostCidr(address) } })),
      ...(api.webhookCallerRanges ?? []).map((cidr) => ({ ipBlock: { cidr } })),
    ],
    ports: tcpPorts(podPort),
  };
}

/** Egress to the internet — every IPv4 address outside `nonInternetRanges` — on the given ports. */
export function internetEgress(ports: k8s.NetworkPolicyPort[]): k8s.NetworkPolicyEgressRule {
  return { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...nonInternetRanges] } }], ports };
}

/** Egress to a few named addresses (such as public resolvers) on the given ports. */
export function addressesEgress(
  addresses: readonly string[],
  ports: k8s.NetworkPolicyPort[],
): k8s.NetworkPolicyEgressRule {
  return { to: addresses.map((address) => ({ ipBlock: { cidr: hostCidr(address) } })), ports };
}

/** What one kind of pod of a component may send and receive, on top of DNS. */
export interface WorkloadPolicy {
  /** The pods, selected by their labels; a host-networked workload may have no rules. */
  readonly workload: ComponentWorkload;
  /**
   * What may open connections to the workload's pods, on top of what every platform pod admits.
   * @default - nothing
   */
  readonly ingress?: readonly k8s.NetworkPolicyIngressRule[];
  /**
   * Where the workload's pods may open connections, on top of DNS.
   * @default - nowhere
   */
  readonly egress?: readonly k8s.NetworkPolicyEgressRule[];
  /** Container ports named `…metrics`, which the telemetry collector scrapes. */
  readonly metricsPorts?: readonly number[];
}

/** What `addComponentPolicies` writes for one platform namespace. */
export interface ComponentPoliciesOptions {
  /** The platform namespace whose pods the policies select. */
  readonly namespace: string;
  /** One entry per workload with allowances; workloads that need nothing but DNS may be left out. */
  readonly policies: readonly WorkloadPolicy[];
  /**
   * The cluster's telemetry collector, let in on each workload's `metricsPorts`.
   * @default - no scrapes
   */
  readonly collector?: TelemetryCollectorRef;
  /**
   * Let every pod of the namespace reach every other, on any port (a stack of many parts that talk
   * among themselves, such as the LGTM stack).
   * @default false
   */
  readonly sameNamespace?: boolean;
}

/**
 * A platform namespace's NetworkPolicies: `default-deny` in both directions; `allow-dns` (every pod to
 * kube-dns on 53); `allow-same-namespace` when asked; then one `allow-<workload>` per workload policy,
 * selecting its pods by their labels. Host-networked workloads are outside NetworkPolicy: a rule for one
 * is refused rather than written to no effect.
 * @throws Error when a host-networked workload is given rules
 */
export function addComponentPolicies(parent: Construct, options: ComponentPoliciesOptions): void {
  const { namespace, collector } = options;
  const scope = new Construct(parent, "network-policies");
  addNetworkPolicy(scope, namespace, "default-deny", { policyTypes: ["Ingress", "Egress"] });
  addNetworkPolicy(scope, namespace, "allow-dns", {
    policyTypes: ["Egress"],
    egress: [{ to: [kubeDnsPeer], ports: [portRule(53, "UDP"), portRule(53, "TCP")] }],
  });
  if (options.sameNamespace) {
    addNetworkPolicy(scope, namespace, "allow-same-namespace", {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
  }
  for (const { workload, ingress = [], egress = [], metricsPorts = [] } of options.policies) {
    const scrapes =
      collector && metricsPorts.length > 0
        ? [{ from: [podsPeer(collector.namespace, collector.podLabels)], ports: tcpPorts(...metricsPorts) }]
        : [];
    const ingressRules = [...ingress, ...scrapes];
    if (workload.hostNetwork) {
      if (ingressRules.length > 0 || egress.length > 0) {
        throw new Error(
          `${namespace}/${workload.name}: host-networked pods are outside NetworkPolicy; a rule for them would do nothing`,
        );
      }
      continue;
    }
    if (ingressRules.length === 0 && egress.length === 0) continue;
    const name = `allow-${workload.name}`;
    new k8s.KubeNetworkPolicy(scope, name, {
      metadata: { name, namespace },
      spec: {
        podSelector: { matchLabels: { ...workload.podLabels } },
        policyTypes: [
          ...(ingressRules.length > 0 ? ["Ingress"] : []),
          ...(egress.length > 0 ? ["Egress"] : []),
        ],
        ...(ingressRules.length > 0 ? { ingress: ingressRules } : {}),
        ...(egress.length > 0 ? { egress: [...egress] } : {}),
      },
    });
  }
}
