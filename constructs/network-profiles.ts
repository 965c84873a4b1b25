import { k8s } from "cdk8s-plus-30";
import type { Construct } from "constructs";
import type { GatewayRef } from "./gateway-ref";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** The named sets of NetworkPolicies an app can have. */
export type NetworkProfile = "web-app" | "web-app-internal" | "media-server" | "worker";

/**
 * What a profile lets through on top of what every app gets: default deny in both directions, traffic
 * between pods of its own namespace, and DNS to kube-dns.
 */
export interface ProfileAllowances {
  /** Ingress from the proxy pods of each gateway the app is exposed on, on that exposure's pod port. */
  readonly fromGateways: boolean;
  /** Egress to any IPv4 address outside `nonInternetRanges`, on any port. */
  readonly toInternet: boolean;
  /** Ingress from any address on the app's torrent port, TCP and UDP. */
  readonly torrentFromAnywhere: boolean;
}

/** What each profile lets through; `HomelabApp` applies the one its `profile` names. */
export const networkProfiles: Readonly<Record<NetworkProfile, ProfileAllowances>> = {
  "web-app": { fromGateways: true, toInternet: true, torrentFromAnywhere: false },
  "web-app-internal": { fromGateways: true, toInternet: false, torrentFromAnywhere: false },
  "media-server": { fromGateways: true, toInternet: true, torrentFromAnywhere: true },
  worker: { fromGateways: false, toInternet: true, torrentFromAnywhere: false },
};

/**
 * Left out of "the internet": RFC 1918 (the LAN, and the pod and service networks inside it), CGNAT
 * space (RFC 6598, also Tailscale's range) and link-local (169.254.169.254 is a metadata endpoint).
 */
export const nonInternetRanges: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
];

/** The namespace label the API server sets on every namespace itself, so no app can forge it. */
const namespaceNameLabel = "kubernetes.io/metadata.name";

/** A peer matching every pod of one namespace. */
export function namespacePeer(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [namespaceNameLabel]: namespace } } };
}

/** CoreDNS's pods (the `kube-dns` Service) in kube-system: every namespace may resolve names there. */
export const kubeDnsPeer: k8s.NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { [namespaceNameLabel]: "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** One port of one protocol, as a NetworkPolicy rule lists it. */
export function portRule(port: number, protocol: "TCP" | "UDP"): k8s.NetworkPolicyPort {
  return { port: k8s.IntOrString.fromNumber(port), protocol };
}

/** A NetworkPolicy selecting every pod of `namespace`, named and identified by `name`. */
export function addNetworkPolicy(
  scope: Construct,
  namespace: string,
  name: string,
  spec: Omit<k8s.NetworkPolicySpec, "podSelector">,
): k8s.KubeNetworkPolicy {
  return new k8s.KubeNetworkPolicy(scope, name, {
    metadata: { name, namespace },
    spec: { podSelector: {}, ...spec },
  });
}

/** The pod ports one gateway's proxies may reach. */
export interface GatewayIngress {
  /** The gateway whose proxy pods (`proxyNamespace`, `proxyPodLabels`) are let in. */
  readonly gateway: GatewayRef;
  /** The app's pod ports (the exposures' `targetPort`s) they may reach, over TCP. */
  readonly ports: readonly number[];
}

/** What `addProfilePolicies` needs to write one namespace's NetworkPolicies. */
export interface ProfilePoliciesOptions {
  /** The namespace whose pods the policies select (all of them). */
  readonly namespace: string;
  /** The named profile whose allowances are added to the baseline every app gets. */
  readonly profile: NetworkProfile;
  /** One entry per gateway the app is exposed on. */
  readonly gatewayIngress: readonly GatewayIngress[];
  /** Required when the profile lets torrent traffic in. */
  readonly torrentPort?: number;
  /**
   * The cluster's telemetry collector: it may scrape every port of the app's pods, and the pods may
   * send it OTLP.
   * @default - no telemetry paths
   */
  readonly collector?: TelemetryCollectorRef;
}

/**
 * The NetworkPolicies of a profile for one namespace: default deny, then one policy `allow-<profile>`
 * whose rules are everything the profile opens (policies add up, so one policy reads as the whole
 * allowance, and a cluster of thousands of apps has a third of the objects).
 */
export function addProfilePolicies(scope: Construct, options: ProfilePoliciesOptions): void {
  const { namespace, gatewayIngress, torrentPort, collector } = options;
  const allowances = networkProfiles[options.profile];
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  const egress: k8s.NetworkPolicyEgressRule[] = [];

  // The namespace is the app's trust boundary: its web pod must reach its own database.
  ingress.push({ from: [{ podSelector: {} }] });
  egress.push({ to: [{ podSelector: {} }] });
  egress.push({ to: [kubeDnsPeer], ports: [portRule(53, "UDP"), portRule(53, "TCP")] });

  if (allowances.fromGateways) {
    for (const { gateway, ports } of gatewayIngress) {
      ingress.push({
        from: [
          {
            ...namespacePeer(gateway.proxyNamespace),
            podSelector: { matchLabels: { ...gateway.proxyPodLabels } },
          },
        ],
        ports: ports.map((port) => portRule(port, "TCP")),
      });
    }
  }
  if (collector) {
    const collectorPeer: k8s.NetworkPolicyPeer = {
      ...namespacePeer(collector.namespace),
      podSelector: { matchLabels: { ...collector.podLabels } },
    };
    // Scrape targets are whatever container ports the app names *metrics; the collector is trusted with all.
    ingress.push({ from: [collectorPeer] });
    egress.push({ to: [collectorPeer], ports: collector.otlpPorts.map((port) => portRule(port, "TCP")) });
  }
  if (allowances.toInternet) {
    egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...nonInternetRanges] } }] });
  }
  if (allowances.torrentFromAnywhere && torrentPort !== undefined) {
    ingress.push({
      from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
      ports: [portRule(torrentPort, "TCP"), portRule(torrentPort, "UDP")],
    });
  }

  addNetworkPolicy(scope, namespace, "default-deny", { policyTypes: ["Ingress", "Egress"] });
  addNetworkPolicy(scope, namespace, `allow-${options.profile}`, {
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  });
}
