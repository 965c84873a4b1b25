import { Chart, Testing } from "cdk8s";
import type { GatewayRef } from "../../constructs/gateway-ref";
import { HomelabApp, type AppExposure, type HomelabAppProps } from "../../constructs/homelab-app";
import type { NetworkProfile } from "../../constructs/network-profiles";
import { validateManifest } from "../support/k8s-schema";
import {
  NetworkPolicyEvaluator,
  type Endpoint,
  type PodEndpoint,
  type Protocol,
} from "../support/network-policy-evaluator";

type Manifest = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

const gatewayNamespace = "envoy-gateway-system";

function gateway(name: string): GatewayRef {
  return {
    name,
    namespace: gatewayNamespace,
    attachLabel: { key: `gateway.homelab.example/${name}`, value: "true" },
    proxyNamespace: gatewayNamespace,
    proxyPodLabels: {
      "gateway.envoyproxy.io/owning-gateway-name": name,
      "gateway.envoyproxy.io/owning-gateway-namespace": gatewayNamespace,
    },
    address: name === "public" ? "192.168.1.241" : "192.168.1.240",
    httpsListener: "https",
  };
}

const internalGateway = gateway("internal");
const publicGateway = gateway("public");

const vaultwardenChart = {
  helm: {
    repoUrl: "https://guerzon.github.io/vaultwarden",
    chart: "vaultwarden",
    version: "0.31.8",
    values: { domain: "https://vault.example.org", serviceAccount: { create: false, name: "vaultwarden" } },
  },
};

function gitSource(path: string) {
  return { git: { repoUrl: "https://git.example.org/lab/apps.git", path } };
}

function internalExposure(host: string, service: string): AppExposure {
  return { host, gateway: internalGateway, service, port: 80, targetPort: 8080 };
}

/** Vaultwarden on both gateways, calling a Postgres app: the example of the README. */
function fullApp() {
  const chart = Testing.chart();
  const postgres = new HomelabApp(chart, "postgres", {
    name: "postgres",
    profile: "web-app-internal",
    source: gitSource("postgres"),
  });
  const vaultwarden = new HomelabApp(chart, "vaultwarden", {
    name: "vaultwarden",
    profile: "web-app",
    source: vaultwardenChart,
    exposures: [
      internalExposure("vault.home.example.org", "vaultwarden"),
      {
        host: "vault.example.org",
        gateway: publicGateway,
        service: "vaultwarden",
        port: 80,
        targetPort: 8080,
        access: true,
      },
    ],
    publicGateway,
    allowTo: [postgres],
  });
  const objects = Testing.synth(chart) as Manifest[];
  const find = (kind: string, name: string, namespace?: string) => {
    const found = objects.find(
      (o) =>
        o.kind === kind &&
        o.metadata.name === name &&
        (namespace === undefined || o.metadata.namespace === namespace),
    );
    if (!found) throw new Error(`no ${kind}/${name} synthesized`);
    return found;
  };
  return { vaultwarden, objects, find };
}

function synthOne(overrides: Partial<HomelabAppProps> = {}) {
  const chart = Testing.chart();
  new HomelabApp(chart, "app", {
    name: "vaultwarden",
    profile: "web-app",
    source: vaultwardenChart,
    ...overrides,
  });
  return Testing.synth(chart) as Manifest[];
}

describe("HomelabApp", () => {
  it("synthesizes a full app", () => {
    expect(fullApp().objects).toMatchSnapshot();
  });

  it("synthesizes only objects that pass their upstream schemas", () => {
    const { objects } = fullApp();
    const gitAndPrivileged = synthOne({
      name: "jellyfin",
      profile: "media-server",
      torrentPort: 6881,
      source: {
        git: { repoUrl: "https://git.example.org/lab/apps.git", path: "jellyfin", revision: "v1.2.0" },
      },
      podSecurity: { level: "privileged", reason: "hardware transcoding needs /dev/dri" },
      exposures: [internalExposure("tv.home.example.org", "jellyfin")],
    });
    const problems = [...objects, ...gitAndPrivileged].map((object) => ({
      object: `${object.kind}/${object.metadata.name}`,
      problems: validateManifest(object),
    }));
    expect(problems).toEqual(problems.map(({ object }) => ({ object, problems: [] })));
  });

  describe("namespace", () => {
    it("enforces, audits and warns restricted by default, and admits routes of its gateways", () => {
      const { find } = fullApp();
      expect(find("Namespace", "vaultwarden").metadata).toEqual({
        name: "vaultwarden",
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          "gateway.homelab.example/internal": "true",
          "gateway.homelab.example/public": "true",
        },
      });
    });

    it("enforces an exception with its reason on record, still auditing and warning restricted", () => {
      const objects = synthOne({ podSecurity: { level: "baseline", reason: "the image runs as root" } });
      const namespace = objects.find((o) => o.kind === "Namespace");
      expect(namespace?.metadata).toEqual({
        name: "vaultwarden",
        labels: {
          "pod-security.kubernetes.io/enforce": "baseline",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: { "homelab.dev/pod-security-reason": "the image runs as root" },
      });
    });

    it("puts everything but the Argo CD objects in the namespace prop when given", () => {
      const placement = synthOne({ namespace: "passwords" }).map((o) => [
        o.kind,
        o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace,
      ]);
      const inArgo = (kind: unknown) => kind === "AppProject" || kind === "Application";
      expect(placement).toEqual(placement.map(([kind]) => [kind, inArgo(kind) ? "argocd" : "passwords"]));
    });
  });

  it("keeps the Namespace cluster-scoped in a Chart with a default namespace", () => {
    const chart = Testing.chart();
    const appsChart = new Chart(chart, "apps", { namespace: "apps" });
    new HomelabApp(appsChart, "app", { name: "vaultwarden", profile: "worker", source: gitSource("v") });
    const namespace = Testing.synth(appsChart).find((o) => o.kind === "Namespace");
    expect(namespace?.metadata).not.toHaveProperty("namespace");
  });

  it("gives the app a ServiceAccount without an API token", () => {
    const { find } = fullApp();
    expect(find("ServiceAccount", "vaultwarden", "vaultwarden").automountServiceAccountToken).toBe(false);
  });

  it("confines the Argo CD project to the app's repository and namespace, with no cluster-scoped kinds", () => {
    const { find } = fullApp();
    expect(find("AppProject", "vaultwarden")).toMatchObject({
      metadata: { name: "vaultwarden", namespace: "argocd" },
      spec: {
        sourceRepos: ["https://guerzon.github.io/vaultwarden"],
        destinations: [{ server: "https://kubernetes.default.svc", namespace: "vaultwarden" }],
        clusterResourceWhitelist: [],
        namespaceResourceBlacklist: [{ group: "networking.k8s.io", kind: "NetworkPolicy" }],
      },
    });
  });

  it("syncs a Helm chart automatically, pruning and self-healing, with retries", () => {
    const { find } = fullApp();
    expect(find("Application", "vaultwarden")).toMatchObject({
      metadata: { name: "vaultwarden", namespace: "argocd" },
      spec: {
        project: "vaultwarden",
        source: {
          repoURL: "https://guerzon.github.io/vaultwarden",
          chart: "vaultwarden",
          targetRevision: "0.31.8",
          helm: { releaseName: "vaultwarden", valuesObject: vaultwardenChart.helm.values },
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "vaultwarden" },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
        },
      },
    });
    expect(find("Application", "vaultwarden").spec).toMatchObject({
      syncPolicy: { syncOptions: expect.arrayContaining(["CreateNamespace=false"]) },
    });
  });

  it("syncs a Git path at HEAD unless a revision is given, into its Argo CD namespace", () => {
    const atHead = synthOne({ source: gitSource("vaultwarden"), argoNamespace: "gitops" });
    const pinned = synthOne({ source: { git: { ...gitSource("vaultwarden").git, revision: "v2" } } });
    const application = (objects: Manifest[]) => objects.find((o) => o.kind === "Application");
    expect(application(atHead)).toMatchObject({
      metadata: { namespace: "gitops" },
      spec: {
        source: {
          repoURL: "https://git.example.org/lab/apps.git",
          path: "vaultwarden",
          targetRevision: "HEAD",
        },
      },
    });
    expect(atHead.find((o) => o.kind === "AppProject")?.metadata.namespace).toBe("gitops");
    expect(application(pinned)).toMatchObject({ spec: { source: { targetRevision: "v2" } } });
  });

  it("routes each hostname from its gateway's HTTPS listener to the Service port", () => {
    const { objects } = fullApp();
    const routes = objects.filter((o) => o.kind === "HTTPRoute");
    expect(routes.map((route) => ({ namespace: route.metadata.namespace, spec: route.spec }))).toEqual([
      {
        namespace: "vaultwarden",
        spec: {
          parentRefs: [{ name: "internal", namespace: gatewayNamespace, sectionName: "https" }],
          hostnames: ["vault.home.example.org"],
          rules: [{ backendRefs: [{ name: "vaultwarden", port: 80 }] }],
        },
      },
      {
        namespace: "vaultwarden",
        spec: {
          parentRefs: [{ name: "public", namespace: gatewayNamespace, sectionName: "https" }],
          hostnames: ["vault.example.org"],
          rules: [{ backendRefs: [{ name: "vaultwarden", port: 80 }] }],
        },
      },
    ]);
  });

  it("lists for the edge only the exposures on the public gateway", () => {
    expect(fullApp().vaultwarden.publicExposures).toEqual([{ host: "vault.example.org", access: true }]);
  });
});

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

describe("HomelabApp props validation", () => {
  const exposure = internalExposure("vault.home.example.org", "vaultwarden");

  it.each<[string, Partial<HomelabAppProps>, RegExp]>([
    ["an invalid name", { name: "Vault_Warden" }, /name "Vault_Warden" is not a DNS label/],
    ["an invalid namespace", { namespace: "-vault" }, /namespace "-vault" is not a DNS label/],
    [
      "an unknown profile",
      { profile: "database" as NetworkProfile },
      /profile "database" is unknown — one of web-app, /,
    ],
    [
      "media-server without torrentPort",
      { profile: "media-server" },
      /torrentPort is required for profile media-server/,
    ],
    [
      "torrentPort on web-app",
      { torrentPort: 6881 },
      /torrentPort is only for profile media-server — remove it/,
    ],
    [
      "torrentPort out of range",
      { profile: "media-server", torrentPort: 70000 },
      /torrentPort 70000 is not a port — an integer from 1 to 65535/,
    ],
    [
      "worker with exposures",
      { profile: "worker", exposures: [exposure] },
      /exposures must be empty for profile worker, which accepts no traffic from gateways/,
    ],
    ["port 0", { exposures: [{ ...exposure, port: 0 }] }, /exposures\[0\]\.port 0 is not a port/],
    [
      "a fractional port",
      { exposures: [{ ...exposure, port: 80.5 }] },
      /exposures\[0\]\.port 80.5 is not a port/,
    ],
    [
      "targetPort 65536",
      { exposures: [{ ...exposure, targetPort: 65536 }] },
      /exposures\[0\]\.targetPort 65536 is not a port/,
    ],
    [
      "an invalid host",
      { exposures: [{ ...exposure, host: "Vault.example.org" }] },
      /exposures\[0\]\.host "Vault.example.org" is not a hostname/,
    ],
    [
      "a host exposed twice",
      { exposures: [exposure, exposure] },
      /exposures\[1\]\.host vault.home.example.org is exposed twice/,
    ],
    [
      "an invalid service",
      { exposures: [{ ...exposure, service: "8080" }] },
      /exposures\[0\]\.service "8080" is not a Service name/,
    ],
    [
      "a public exposure without an Access decision",
      { publicGateway, exposures: [{ ...exposure, gateway: publicGateway }] },
      /exposures\[0\]\.access is required on the public gateway — true puts Cloudflare Access in front/,
    ],
    [
      "access on an internal exposure",
      { publicGateway, exposures: [{ ...exposure, access: false }] },
      /exposures\[0\]\.access is only for exposures on publicGateway/,
    ],
    [
      "a short podSecurity reason",
      { podSecurity: { level: "privileged", reason: "needs it" } },
      /podSecurity\.reason must say in at least 10 characters/,
    ],
    [
      "podSecurity restricted",
      { podSecurity: { level: "restricted" as "baseline", reason: "as strict as it gets" } },
      /podSecurity\.level "restricted" is not an exception/,
    ],
    [
      "both Helm and Git",
      { source: { ...vaultwardenChart, ...gitSource("x") } as never },
      /source needs exactly one of helm or git/,
    ],
    ["no source", { source: {} as never }, /source needs exactly one of helm or git/],
    [
      "an empty chart version",
      { source: { helm: { ...vaultwardenChart.helm, version: "" } } },
      /source\.helm\.version is empty/,
    ],
    [
      "an empty Git path",
      { source: { git: { repoUrl: "https://git.example.org/x.git", path: " " } } },
      /source\.git\.path is empty/,
    ],
  ])("rejects %s", (_case, overrides, message) => {
    expect(() => synthOne(overrides)).toThrow(message);
  });

  it("names the app and lists every problem at once", () => {
    expect(() =>
      synthOne({ profile: "media-server", podSecurity: { level: "baseline", reason: "" } }),
    ).toThrow(
      'HomelabApp "vaultwarden": podSecurity.reason must say in at least 10 characters why the app cannot run restricted; torrentPort is required for profile media-server — the inbound BitTorrent port, such as 6881',
    );
  });

  it("rejects gateways that ask for different values of one attach label", () => {
    const clash = {
      ...publicGateway,
      attachLabel: { key: internalGateway.attachLabel.key, value: "public" },
    };
    expect(() =>
      synthOne({ exposures: [exposure, { ...exposure, host: "vault.example.org", gateway: clash }] }),
    ).toThrow(
      /gateways ask for namespace label gateway\.homelab\.example\/internal=true and gateway\.homelab\.example\/internal=public/,
    );
  });
});

describe("a chart from an OCI registry", () => {
  it("uses Argo CD's native OCI source: the chart's full reference, path '.', and the project allows exactly it", () => {
    const chart = Testing.chart();
    new HomelabApp(chart, "postgres", {
      name: "postgres",
      profile: "worker",
      source: {
        helm: {
          repoUrl: "oci://registry-1.docker.io/bitnamicharts",
          chart: "postgresql",
          version: "16.7.27",
        },
      },
    });
    const objects = Testing.synth(chart) as Record<string, unknown>[];
    const application = objects.find((object) => object.kind === "Application") as {
      spec: { source: object };
    };
    const project = objects.find((object) => object.kind === "AppProject") as {
      spec: { sourceRepos: string[] };
    };
    expect(application?.spec.source).toMatchObject({
      repoURL: "oci://registry-1.docker.io/bitnamicharts/postgresql",
      path: ".",
      targetRevision: "16.7.27",
    });
    expect(application?.spec.source).not.toHaveProperty("chart");
    expect(project?.spec.sourceRepos).toEqual(["oci://registry-1.docker.io/bitnamicharts/postgresql"]);
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
  });
});
