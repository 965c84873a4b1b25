import ipaddr from "ipaddr.js";
import { certManagerWebhookPort, dns01Resolvers } from "../../constructs/cert-manager";
import { envoyProxyPodPort } from "../../constructs/envoy-gateway";
import { lgtmCollector } from "../../constructs/lgtm";
import { metalLbWebhookPort } from "../../constructs/metal-lb";
import type { ComponentWorkload } from "../../constructs/platform-component";
import type { ComponentName } from "../../charts/components";
import { enabledApps, hasTunnel, kubernetesApiAccess, platformNamespaces } from "../../inventory";
import {
  NetworkPolicyEvaluator,
  type Endpoint,
  type PodEndpoint,
  type Protocol,
} from "../support/network-policy-evaluator";
import { renderedClusters, type RenderedCluster } from "./rendered-clusters";

/**
 * Every platform namespace's NetworkPolicies, per rendered cluster: each namespace the project creates
 * enforces a Pod Security level and denies by default in both directions; each allowance the README
 * documents is open, between the pods the components name as their workloads; and paths nobody needs
 * stay closed, so that a policy admitting everything fails here.
 */
interface Path {
  readonly name: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: Protocol;
  readonly allowed: boolean;
}

/** Chart facts the allowances name, from the pinned charts (see the constructs). */
const ports = {
  envoyXds: 18000,
  envoyMetrics: 19001,
  certManagerMetrics: 9402,
  argoServer: 8080,
  argoServerMetrics: 8083,
  argoRepoServer: 8081,
  argoRedis: 6379,
  argoDex: 5556,
  grafana: 3000,
  loki: 3100,
  minio: 9000,
};
const internet = { ip: "104.16.132.229" };
const otherInternet = { ip: "8.8.8.8" };
/** A private address no inventory uses: apps may reach the internet, but nothing private. */
const privateAddress = { ip: "192.168.77.7" };

interface Component {
  readonly namespace: string;
  readonly workloads: readonly ComponentWorkload[];
}

function components({ charts }: RenderedCluster): Map<ComponentName, Component> {
  const found = new Map<ComponentName, Component>();
  for (const component of charts.components) {
    if (component.namespace) {
      found.set(component.component, { namespace: component.namespace.name, workloads: component.workloads });
    }
  }
  return found;
}

function pod(component: Component, workload: string): PodEndpoint {
  const found = component.workloads.find((candidate) => candidate.name === workload);
  if (!found) throw new Error(`no workload ${workload} in ${component.namespace}`);
  return { namespace: component.namespace, labels: { ...found.podLabels } };
}

function platformPaths(cluster: RenderedCluster): Path[] {
  const { inventory } = cluster;
  const parts = components(cluster);
  const api = kubernetesApiAccess(inventory);
  const paths: Path[] = [];
  const open = (name: string, from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP") =>
    paths.push({ name, from, to, port, protocol, allowed: true });
  const closed = (name: string, from: Endpoint, to: Endpoint, port: number, protocol: Protocol = "TCP") =>
    paths.push({ name, from, to, port, protocol, allowed: false });
  const toApi = (name: string, from: PodEndpoint) => {
    for (const ip of api.addresses) open(`${name} → the API at ${ip}`, from, { ip }, api.port);
  };
  const fromApiServer = (name: string, to: PodEndpoint, port: number) => {
    for (const ip of api.controlPlaneAddresses) open(`the API server on ${ip} → ${name}`, { ip }, to, port);
    // Under Cilium's tunnel, from a control plane's router address in the pod network.
    for (const range of api.webhookCallerRanges) {
      const ip = routerAddressIn(range);
      open(`the API server by its router address ${ip} → ${name}`, { ip }, to, port);
    }
  };
  const lan = { ip: inventory.network.gateway };
  const apps = enabledApps(inventory).map((app) => ({
    app,
    pod: { namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } } as PodEndpoint,
  }));
  const collector = inventory.platform.lgtm.enabled ? lgtmCollector(platformNamespaces.lgtm) : undefined;
  const collectorPod = collector && { namespace: collector.namespace, labels: { ...collector.podLabels } };

  // Whatever the cluster runs, every pod on the pod network resolves names, and nothing else by default.
  for (const [name, component] of parts) {
    for (const workload of component.workloads.filter((candidate) => !candidate.hostNetwork)) {
      const from = pod(component, workload.name);
      open(
        `${name} ${workload.name} → kube-dns`,
        from,
        { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
        53,
        "UDP",
      );
    }
    const stranger: PodEndpoint = {
      namespace: component.namespace,
      labels: { "homelab.test/stranger": "true" },
    };
    closed(
      `an unnamed pod in ${component.namespace} → the API`,
      stranger,
      { ip: api.addresses[0] },
      api.port,
    );
    closed(`an unnamed pod in ${component.namespace} → the internet`, stranger, internet, 443);
    closed(`the LAN → an unnamed pod in ${component.namespace}`, lan, stranger, 8080);
    for (const { app, pod: appPod } of apps.slice(0, 1)) {
      closed(`${app.name} → an unnamed pod in ${component.namespace}`, appPod, stranger, 8080);
    }
  }
  for (const { app, pod: appPod } of apps) {
    for (const ip of api.addresses) closed(`${app.name} → the API at ${ip}`, appPod, { ip }, api.port);
  }

  const storage = parts.get("storage");
  if (storage) {
    const provisioner = pod(storage, "provisioner");
    toApi("the storage provisioner", provisioner);
    closed("the storage provisioner → the internet", provisioner, internet, 443);
  }

  const metallb = parts.get("metallb");
  if (metallb) {
    const controller = pod(metallb, "controller");
    toApi("MetalLB's controller", controller);
    fromApiServer("MetalLB's webhook", controller, metalLbWebhookPort);
    toApi("MetalLB's webhook gate", pod(metallb, "webhook-gate"));
    closed("the LAN → MetalLB's webhook", lan, controller, metalLbWebhookPort);
    closed("MetalLB's controller → the internet", controller, internet, 443);
  }

  const certManager = parts.get("cert-manager");
  if (certManager) {
    const controller = pod(certManager, "controller");
    const webhook = pod(certManager, "webhook");
    toApi("cert-manager's controller", controller);
    open("cert-manager's controller → ACME and Cloudflare's API", controller, internet, 443);
    for (const ip of dns01Resolvers) {
      open(`cert-manager's controller → DNS-01 checks at ${ip} (UDP)`, controller, { ip }, 53, "UDP");
      open(`cert-manager's controller → DNS-01 checks at ${ip} (TCP)`, controller, { ip }, 53, "TCP");
    }
    closed("cert-manager's controller → another resolver", controller, otherInternet, 53, "UDP");
    closed("cert-manager's controller → the LAN", controller, lan, 443);
    toApi("cert-manager's cainjector", pod(certManager, "cainjector"));
    closed("cert-manager's cainjector → the internet", pod(certManager, "cainjector"), internet, 443);
    toApi("cert-manager's webhook", webhook);
    fromApiServer("cert-manager's webhook", webhook, certManagerWebhookPort);
    closed("the LAN → cert-manager's webhook", lan, webhook, certManagerWebhookPort);
    closed("cert-manager's controller → its webhook", controller, webhook, certManagerWebhookPort);
    toApi("cert-manager's startupapicheck", pod(certManager, "startupapicheck"));
    for (const { app, pod: appPod } of apps) {
      closed(`cert-manager's controller → ${app.name}`, controller, appPod, 8080);
    }
    if (collectorPod) {
      open("the collector scrapes cert-manager", collectorPod, controller, ports.certManagerMetrics);
      closed(
        "the collector reaches cert-manager's webhook port",
        collectorPod,
        webhook,
        certManagerWebhookPort,
      );
    }
  }

  const gateways = parts.get("envoy-gateway");
  if (gateways) {
    const controller = pod(gateways, "controller");
    const proxy = { internal: pod(gateways, "internal-proxy"), public: pod(gateways, "public-proxy") };
    toApi("Envoy Gateway's controller", controller);
    toApi("Envoy Gateway's certgen", pod(gateways, "certgen"));
    closed("the LAN → Envoy Gateway's xDS", lan, controller, ports.envoyXds);
    for (const gateway of ["internal", "public"] as const) {
      open(`the ${gateway} proxies → the controller's xDS`, proxy[gateway], controller, ports.envoyXds);
      for (const listener of [443, 80]) {
        open(
          `the LAN → the ${gateway} proxies on ${listener}`,
          lan,
          proxy[gateway],
          envoyProxyPodPort(listener),
        );
      }
      closed(`the LAN → the ${gateway} proxies' admin and metrics`, lan, proxy[gateway], ports.envoyMetrics);
      (gateway === "public" ? open : closed)(
        `the ${gateway} proxies → the internet on 443 (remote JWKS: public only)`,
        proxy[gateway],
        internet,
        443,
      );
      closed(`the ${gateway} proxies → the LAN`, proxy[gateway], lan, 443);
      closed(`the ${gateway} proxies → the API`, proxy[gateway], { ip: api.addresses[0] }, api.port);
      if (collectorPod)
        open(
          `the collector scrapes the ${gateway} proxies`,
          collectorPod,
          proxy[gateway],
          ports.envoyMetrics,
        );
    }
    for (const { app, pod: appPod } of apps) {
      for (const exposure of app.expose) {
        open(
          `the ${exposure.gateway} proxies → ${exposure.host}`,
          proxy[exposure.gateway],
          appPod,
          exposure.targetPort,
        );
      }
      if (app.expose.length === 0) {
        closed(`the internal proxies → the unexposed ${app.name}`, proxy.internal, appPod, 8080);
      }
    }
    closed("an app → Envoy Gateway's controller", apps[0]?.pod ?? otherPod(), controller, ports.envoyXds);
  }

  const cloudflared = parts.get("cloudflared");
  if (cloudflared && gateways) {
    const connector = pod(cloudflared, "connector");
    const publicProxy = pod(gateways, "public-proxy");
    open("the tunnel → the public proxies", connector, publicProxy, envoyProxyPodPort(443));
    closed(
      "the tunnel → the internal proxies",
      connector,
      pod(gateways, "internal-proxy"),
      envoyProxyPodPort(443),
    );
    open("the tunnel → Cloudflare's edge (TCP)", connector, internet, 7844, "TCP");
    open("the tunnel → Cloudflare's edge (QUIC)", connector, internet, 7844, "UDP");
    open("the tunnel → Cloudflare's API", connector, internet, 443);
    closed("the tunnel → the LAN", connector, lan, 443);
    closed("the tunnel → the API", connector, { ip: api.addresses[0] }, api.port);
    closed("the internet → the tunnel", internet, connector, 2000);
  }
  if (!hasTunnel(inventory) && gateways) {
    closed(
      "no tunnel: cloudflared's namespace → the public proxies",
      otherPod(platformNamespaces.cloudflared),
      pod(gateways, "public-proxy"),
      envoyProxyPodPort(443),
    );
  }

  const argocd = parts.get("argocd");
  if (argocd) {
    const part = (name: string) => pod(argocd, name);
    const controller = part("application-controller");
    const server = part("server");
    const repoServer = part("repo-server");
    const redis = part("redis");
    for (const name of [
      "application-controller",
      "server",
      "applicationset-controller",
      "notifications-controller",
    ]) {
      toApi(`Argo CD's ${name}`, part(name));
      open(`Argo CD's ${name} → the repo-server`, part(name), repoServer, ports.argoRepoServer);
    }
    for (const name of ["application-controller", "server", "repo-server"]) {
      open(`Argo CD's ${name} → Redis`, part(name), redis, ports.argoRedis);
    }
    closed("Argo CD's notifications → Redis", part("notifications-controller"), redis, ports.argoRedis);
    closed("Argo CD's repo-server → the API", repoServer, { ip: api.addresses[0] }, api.port);
    open("Argo CD's repo-server → Git over HTTPS", repoServer, internet, 443);
    open("Argo CD's repo-server → Git over SSH", repoServer, internet, 22);
    closed("Argo CD's repo-server → the LAN", repoServer, lan, 22);
    closed("the internet → Argo CD's repo-server", internet, repoServer, ports.argoRepoServer);
    closed("Redis → the internet", redis, internet, 443);
    closed("Argo CD's server → the internet", server, internet, 443);
    closed("Argo CD's controller → the internet", controller, internet, 443);
    closed("the LAN → Argo CD's server", lan, server, ports.argoServer);
    if (gateways) {
      open(
        "the internal proxies → Argo CD's server",
        pod(gateways, "internal-proxy"),
        server,
        ports.argoServer,
      );
      closed(
        "the public proxies → Argo CD's server",
        pod(gateways, "public-proxy"),
        server,
        ports.argoServer,
      );
      closed(
        "the internal proxies → Argo CD's repo-server",
        pod(gateways, "internal-proxy"),
        repoServer,
        ports.argoRepoServer,
      );
    }
    if (inventory.platform.argocd.dex) {
      open("Argo CD's server → Dex", server, part("dex-server"), ports.argoDex);
      open("Dex → identity providers", part("dex-server"), internet, 443);
      closed("Argo CD's repo-server → Dex", repoServer, part("dex-server"), ports.argoDex);
    }
    for (const { app, pod: appPod } of apps) {
      closed(`${app.name} → Argo CD's Redis`, appPod, redis, ports.argoRedis);
      closed(`${app.name} → Argo CD's repo-server`, appPod, repoServer, ports.argoRepoServer);
    }
    if (collectorPod) {
      open("the collector scrapes Argo CD's server", collectorPod, server, ports.argoServerMetrics);
      closed("the collector reaches Argo CD's Redis", collectorPod, redis, ports.argoRedis);
    }
  }

  const lgtm = parts.get("lgtm");
  const telemetry = cluster.charts.telemetry;
  if (lgtm && collectorPod && telemetry?.role === "spoke") {
    toApi("Alloy", collectorPod);
    toApi("kube-state-metrics", pod(lgtm, "kube-state-metrics"));
    closed("Alloy → the internet", collectorPod, internet, 443);
    closed("the LAN → Alloy", lan, collectorPod, 12345);
  }
  if (lgtm && collectorPod && telemetry?.role === "hub") {
    const grafana = pod(lgtm, "grafana");
    const loki = pod(lgtm, "loki");
    open("Grafana → Loki", grafana, loki, ports.loki);
    open("Mimir → its MinIO", pod(lgtm, "mimir"), pod(lgtm, "mimir-minio"), ports.minio);
    open("the bucket Job → MinIO", pod(lgtm, "minio-buckets"), pod(lgtm, "mimir-minio"), ports.minio);
    toApi("Alloy", collectorPod);
    toApi("Loki's rules sidecar", loki);
    closed("Grafana → the API", grafana, { ip: api.addresses[0] }, api.port);
    closed("Grafana → the internet", grafana, internet, 443);
    closed("Alloy → the internet", collectorPod, internet, 443);
    closed("the LAN → Loki", lan, loki, ports.loki);
    if (gateways) {
      open("the internal proxies → Grafana", pod(gateways, "internal-proxy"), grafana, ports.grafana);
      // Spokes push through the internal gateway: then, and only then, its proxies reach Loki.
      (telemetry.tenants.length > 1 ? open : closed)(
        "the internal proxies → Loki",
        pod(gateways, "internal-proxy"),
        loki,
        ports.loki,
      );
      closed("the public proxies → Grafana", pod(gateways, "public-proxy"), grafana, ports.grafana);
    }
    for (const { app, pod: appPod } of apps) {
      closed(`${app.name} → Loki`, appPod, loki, ports.loki);
    }
  }
  return paths;
}

function otherPod(namespace = "homelab-test-elsewhere"): PodEndpoint {
  return { namespace, labels: { "homelab.test/stranger": "true" } };
}

const clusters = renderedClusters();

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))("%s", (_, cluster) => {
  const evaluator = new NetworkPolicyEvaluator(cluster.objects);
  const namespaces = cluster.objects.filter((object) => object.kind === "Namespace");
  const policies = cluster.objects.filter((object) => object.kind === "NetworkPolicy") as {
    metadata: { name: string; namespace: string };
    spec: {
      podSelector: { matchLabels?: Record<string, string> };
      policyTypes?: string[];
      ingress?: unknown;
      egress?: unknown;
    };
  }[];

  it("creates the platform's namespaces and the apps'", () => {
    const names = namespaces.map((namespace) => (namespace.metadata as { name: string }).name);
    for (const component of cluster.charts.components) {
      if (component.namespace) expect(names).toContain(component.namespace.name);
    }
    for (const app of enabledApps(cluster.inventory)) expect(names).toContain(app.namespace);
  });

  it.each(namespaces.map((namespace) => [(namespace.metadata as { name: string }).name, namespace] as const))(
    "namespace %s enforces Pod Security and denies by default both ways",
    (name, namespace) => {
      const labels = (namespace.metadata as { labels?: Record<string, string> }).labels ?? {};
      expect(["privileged", "baseline", "restricted"]).toContain(
        labels["pod-security.kubernetes.io/enforce"],
      );
      const defaultDeny = policies.filter(
        (policy) =>
          policy.metadata.namespace === name &&
          Object.keys(policy.spec.podSelector.matchLabels ?? {}).length === 0 &&
          policy.spec.ingress === undefined &&
          policy.spec.egress === undefined,
      );
      expect(defaultDeny.flatMap((policy) => policy.spec.policyTypes ?? []).sort()).toEqual([
        "Egress",
        "Ingress",
      ]);
      // Whatever else opens, a pod nobody named neither reaches nor is reached from outside.
      const stranger = otherPod(name);
      expect(evaluator.allowed(stranger, privateAddress, 443)).toBe(false);
      expect(evaluator.allowed(internet, stranger, 443)).toBe(false);
      expect(evaluator.allowed(otherPod(), stranger, 443)).toBe(false);
    },
  );

  it("names every kind of pod of each platform component, host-networked ones with no rules of their own", () => {
    for (const component of cluster.charts.components) {
      if (!component.namespace) continue;
      expect(component.workloads.length).toBeGreaterThan(0);
      for (const workload of component.workloads) {
        expect(Object.keys(workload.podLabels).length).toBeGreaterThan(0);
        if (!workload.hostNetwork) continue;
        const selecting = policies.filter(
          (policy) =>
            policy.metadata.namespace === component.namespace!.name &&
            Object.keys(policy.spec.podSelector.matchLabels ?? {}).length > 0 &&
            Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(
              ([key, value]) => workload.podLabels[key] === value,
            ),
        );
        expect(selecting.map((policy) => policy.metadata.name)).toEqual([]);
      }
    }
  });

  const paths = platformPaths(cluster);
  it.each(paths.map((path) => [`${path.allowed ? "open" : "closed"}: ${path.name}`, path] as const))(
    "%s",
    (_, path) => {
      expect(evaluator.allowed(path.from, path.to, path.port, path.protocol)).toBe(path.allowed);
    },
  );
});

describe("the paths", () => {
  it("cover every platform component in the project's stacks, open and closed", () => {
    const stacks = clusters.filter((cluster) => cluster.source.startsWith("Pulumi."));
    const paths = stacks.flatMap(platformPaths);
    for (const subject of [
      "storage",
      "MetalLB",
      "cert-manager",
      "Envoy Gateway",
      "tunnel",
      "Argo CD",
      "Grafana",
      "Alloy",
    ]) {
      expect(paths.some((path) => path.allowed && path.name.includes(subject))).toBe(true);
      expect(paths.some((path) => !path.allowed && path.name.includes(subject))).toBe(true);
    }
  });

  it("would fail a policy that admits everything", () => {
    const cluster = clusters.find((candidate) => candidate.source === "Pulumi.prod.yaml")!;
    const openPolicies = cluster.objects.map((object) =>
      object.kind === "NetworkPolicy"
        ? {
            ...object,
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
          }
        : object,
    );
    const permissive = new NetworkPolicyEvaluator(openPolicies);
    const wrong = platformPaths(cluster).filter(
      (path) => permissive.allowed(path.from, path.to, path.port, path.protocol) !== path.allowed,
    );
    expect(wrong.length).toBeGreaterThan(20);
  });
});

/** The second address of a range, such as a node's `cilium_host` address at the start of its pod range. */
function routerAddressIn(range: string): string {
  const [network] = ipaddr.parseCIDR(range);
  const bytes = network.toByteArray();
  bytes[3] += 1;
  return ipaddr.fromByteArray(bytes).toString();
}
