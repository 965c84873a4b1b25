import { Testing } from "cdk8s";
import { HomelabApp } from "../../constructs/homelab-app";
import type { NetworkProfile } from "../../constructs/network-profiles";
import {
  NetworkPolicyEvaluator,
  type Endpoint,
  type PodEndpoint,
  type Protocol,
} from "../support/network-policy-evaluator";
import {
  gatewayNamespace,
  internalGateway,
  publicGateway,
  gitSource,
  internalExposure,
} from "./homelab-app-fixtures";

// Endpoints of the policy model.
const internalProxy: PodEndpoint = {
  namespace: gatewayNamespace,
  labels: { ...internalGateway.proxyPodLabels },
};
const publicProxy: PodEndpoint = { namespace: gatewayNamespace, labels: { ...publicGateway.proxyPodLabels } };
const gatewayController: PodEndpoint = {
  namespace: gatewayNamespace,
  labels: { "control-plane": "envoy-gateway" },
};
const kubeDns: PodEndpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const metricsServer: PodEndpoint = { namespace: "kube-system", labels: { "k8s-app": "metrics-server" } };
const subjectPod: PodEndpoint = { namespace: "subject", labels: { "app.kubernetes.io/name": "subject" } };
const subjectDatabase: PodEndpoint = {
  namespace: "subject",
  labels: { "app.kubernetes.io/name": "postgres" },
};
const calleePod: PodEndpoint = { namespace: "callee", labels: { "app.kubernetes.io/name": "callee" } };
const strangerPod: PodEndpoint = { namespace: "stranger", labels: { "app.kubernetes.io/name": "stranger" } };
const unmanagedPod: PodEndpoint = { namespace: "default", labels: { run: "debug" } };
const cloudflareDns: Endpoint = { ip: "1.1.1.1" };
const internetClient: Endpoint = { ip: "203.0.113.7" };
const lanHost: Endpoint = { ip: "192.168.1.10" };

/** `subject` with the profile, calling `callee`; `stranger` is unrelated. All exposed on the internal gateway. */
function policyWorld(profile: NetworkProfile): NetworkPolicyEvaluator {
  const chart = Testing.chart();
  const callee = new HomelabApp(chart, "callee", {
    name: "callee",
    profile: "web-app-internal",
    source: gitSource("callee"),
    exposures: [internalExposure("callee.home.example.org", "callee")],
  });
  new HomelabApp(chart, "subject", {
    name: "subject",
    profile,
    source: gitSource("subject"),
    torrentPort: profile === "media-server" ? 6881 : undefined,
    exposures: profile === "worker" ? [] : [internalExposure("subject.home.example.org", "subject")],
    allowTo: [callee],
  });
  new HomelabApp(chart, "stranger", {
    name: "stranger",
    profile: "web-app",
    source: gitSource("stranger"),
    exposures: [internalExposure("stranger.home.example.org", "stranger")],
  });
  return new NetworkPolicyEvaluator(Testing.synth(chart));
}

describe.each([
  { profile: "web-app", fromGateway: true, toInternet: true, torrent: false },
  { profile: "web-app-internal", fromGateway: true, toInternet: false, torrent: false },
  { profile: "media-server", fromGateway: true, toInternet: true, torrent: true },
  { profile: "worker", fromGateway: false, toInternet: true, torrent: false },
] as const)("NetworkPolicies of profile $profile", ({ profile, fromGateway, toInternet, torrent }) => {
  const evaluator = policyWorld(profile);

  it.each<[string, Endpoint, Endpoint, number, Protocol, boolean]>([
    [
      "internal gateway proxy → app on the exposure's pod port",
      internalProxy,
      subjectPod,
      8080,
      "TCP",
      fromGateway,
    ],
    ["internal gateway proxy → app on the Service port", internalProxy, subjectPod, 80, "TCP", false],
    ["internal gateway proxy → app on another port", internalProxy, subjectPod, 9090, "TCP", false],
    ["public gateway proxy → app not exposed there", publicProxy, subjectPod, 8080, "TCP", false],
    ["gateway controller → app", gatewayController, subjectPod, 8080, "TCP", false],
    ["app → 1.1.1.1:443", subjectPod, cloudflareDns, 443, "TCP", toInternet],
    ["app → 192.168.1.10 (LAN)", subjectPod, lanHost, 443, "TCP", false],
    ["app → 10.96.0.1 (service network)", subjectPod, { ip: "10.96.0.1" }, 443, "TCP", false],
    ["app → 169.254.169.254 (link-local)", subjectPod, { ip: "169.254.169.254" }, 80, "TCP", false],
    ["app → 100.64.0.5 (CGNAT)", subjectPod, { ip: "100.64.0.5" }, 443, "TCP", false],
    ["app → kube-dns:53 UDP", subjectPod, kubeDns, 53, "UDP", true],
    ["app → kube-dns:53 TCP", subjectPod, kubeDns, 53, "TCP", true],
    ["app → kube-dns:80", subjectPod, kubeDns, 80, "TCP", false],
    ["app → another kube-system pod:53", subjectPod, metricsServer, 53, "UDP", false],
    ["app → a pod of its own namespace", subjectPod, subjectDatabase, 5432, "TCP", true],
    ["app → the app it allows (allowTo)", subjectPod, calleePod, 5432, "TCP", true],
    ["the allowed app → app (reverse direction)", calleePod, subjectPod, 8080, "TCP", false],
    ["app → an unrelated app", subjectPod, strangerPod, 8080, "TCP", false],
    ["an unrelated app → app", strangerPod, subjectPod, 8080, "TCP", false],
    ["a pod of an unmanaged namespace → app", unmanagedPod, subjectPod, 8080, "TCP", false],
    ["internet → app on the torrent port, TCP", internetClient, subjectPod, 6881, "TCP", torrent],
    ["internet → app on the torrent port, UDP", internetClient, subjectPod, 6881, "UDP", torrent],
    ["internet → app on its web port", internetClient, subjectPod, 8080, "TCP", false],
    ["LAN → app on its web port, bypassing the gateway", lanHost, subjectPod, 8080, "TCP", false],
  ])("%s", (_case, from, to, port, protocol, expected) => {
    expect(evaluator.allowed(from, to, port, protocol)).toBe(expected);
  });
});

describe("HomelabApp.allowTo", () => {
  function twoApps() {
    const chart = Testing.chart();
    const app = (name: string) =>
      new HomelabApp(chart, name, { name, profile: "worker", source: gitSource(name) });
    return { chart, a: app("alpha"), b: app("beta") };
  }
  const alphaPod: PodEndpoint = { namespace: "alpha" };
  const betaPod: PodEndpoint = { namespace: "beta" };

  it("works after both apps exist, in either order and in both directions", () => {
    const { chart, a, b } = twoApps();
    b.allowTo(a);
    expect(new NetworkPolicyEvaluator(Testing.synth(chart)).allowed(betaPod, alphaPod, 8080)).toBe(true);
    expect(new NetworkPolicyEvaluator(Testing.synth(chart)).allowed(alphaPod, betaPod, 8080)).toBe(false);
    a.allowTo(b);
    expect(new NetworkPolicyEvaluator(Testing.synth(chart)).allowed(alphaPod, betaPod, 8080)).toBe(true);
  });

  it("puts the ingress policy in the called app's namespace and scope", () => {
    const { chart, a, b } = twoApps();
    a.allowTo(b);
    const policies = Testing.synth(chart)
      .filter((o) => o.kind === "NetworkPolicy" && o.metadata.name.startsWith("allow-"))
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(policies).toEqual(
      expect.arrayContaining(["alpha/allow-egress-to-beta", "beta/allow-ingress-from-alpha"]),
    );
    expect(b.node.tryFindChild("allow-ingress-from-alpha")).toBeDefined();
  });

  it("rejects an app of the same namespace and a second call for the same app", () => {
    const { chart, a, b } = twoApps();
    const twin = new HomelabApp(chart, "twin", {
      name: "twin",
      namespace: "alpha",
      profile: "worker",
      source: gitSource("twin"),
    });
    expect(() => a.allowTo(twin)).toThrow(
      'HomelabApp "alpha": allowTo "twin" shares its namespace alpha, where traffic is already allowed — remove it',
    );
    a.allowTo(b);
    expect(() => a.allowTo(b)).toThrow('HomelabApp "alpha": allowTo "beta" is given twice');
  });
});
