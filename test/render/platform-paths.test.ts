import { lgtmCollector } from "../../constructs/lgtm";
import { enabledApps, hasTunnel, platformNamespaces } from "../../inventory";
import { NetworkPolicyEvaluator, type PodEndpoint } from "../support/network-policy-evaluator";
import { renderedClusters, type RenderedCluster } from "./rendered-clusters";

/**
 * Every path the platform itself sets up, per rendered cluster, asked of the cluster's own
 * NetworkPolicies: each exposure from its gateway's proxies to the pods' port; the collector scraping
 * every app and the tunnel connectors; every app sending OTLP to the collector; the tunnel reaching
 * the public gateway. Paths that must stay closed are asked too, so an allow-everything policy fails.
 */
interface Path {
  readonly name: string;
  readonly from: PodEndpoint;
  readonly to: PodEndpoint;
  readonly port: number;
  readonly allowed: boolean;
}

const gatewayProxy = (gateway: "internal" | "public"): PodEndpoint => ({
  namespace: platformNamespaces.envoyGateway,
  labels: {
    "gateway.envoyproxy.io/owning-gateway-name": gateway,
    "gateway.envoyproxy.io/owning-gateway-namespace": platformNamespaces.envoyGateway,
  },
});
const collector = lgtmCollector(platformNamespaces.lgtm);
const collectorPod: PodEndpoint = { namespace: collector.namespace, labels: { ...collector.podLabels } };
const otherMonitoringPod: PodEndpoint = { namespace: platformNamespaces.lgtm, labels: { app: "grafana" } };
const cloudflaredPod: PodEndpoint = {
  namespace: platformNamespaces.cloudflared,
  labels: { "app.kubernetes.io/name": "cloudflared" },
};

function platformPaths({ inventory }: RenderedCluster): Path[] {
  const paths: Path[] = [];
  const observed = inventory.platform.lgtm.enabled;
  for (const app of enabledApps(inventory)) {
    const pod: PodEndpoint = { namespace: app.namespace, labels: { "app.kubernetes.io/name": app.name } };
    for (const exposure of app.expose) {
      const via = gatewayProxy(exposure.gateway);
      paths.push({
        name: `${exposure.host}: ${exposure.gateway} gateway → pod`,
        from: via,
        to: pod,
        port: exposure.targetPort,
        allowed: true,
      });
      if (exposure.port !== exposure.targetPort) {
        paths.push({
          name: `${exposure.host}: only the pods' port, not the Service's`,
          from: via,
          to: pod,
          port: exposure.port,
          allowed: false,
        });
      }
    }
    if (observed) {
      paths.push({
        name: `${app.name}: collector scrapes it`,
        from: collectorPod,
        to: pod,
        port: 9090,
        allowed: true,
      });
      for (const port of collector.otlpPorts) {
        paths.push({
          name: `${app.name}: sends OTLP on ${port}`,
          from: pod,
          to: collectorPod,
          port,
          allowed: true,
        });
      }
      paths.push({
        name: `${app.name}: not scraped by other monitoring pods`,
        from: otherMonitoringPod,
        to: pod,
        port: 9090,
        allowed: false,
      });
      paths.push({
        name: `${app.name}: sends nothing else to the collector`,
        from: pod,
        to: collectorPod,
        port: 12345,
        allowed: false,
      });
    }
  }
  if (hasTunnel(inventory)) {
    paths.push({
      name: "tunnel → public gateway",
      from: cloudflaredPod,
      to: gatewayProxy("public"),
      port: 10443,
      allowed: true,
    });
    if (observed) {
      paths.push({
        name: "collector scrapes the tunnel's metrics",
        from: collectorPod,
        to: cloudflaredPod,
        port: 2000,
        allowed: true,
      });
      paths.push({
        name: "nothing else reaches the tunnel",
        from: otherMonitoringPod,
        to: cloudflaredPod,
        port: 2000,
        allowed: false,
      });
    }
  }
  return paths;
}

const clusters = renderedClusters();

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))("%s", (_, cluster) => {
  const evaluator = new NetworkPolicyEvaluator(cluster.objects);
  const paths = platformPaths(cluster);
  if (paths.length === 0) {
    it("sets up no platform path: nothing exposed, observed or tunnelled", () => {
      const { inventory } = cluster;
      expect(enabledApps(inventory).flatMap((app) => app.expose)).toEqual([]);
      expect(inventory.platform.lgtm.enabled && enabledApps(inventory).length > 0).toBe(false);
      expect(hasTunnel(inventory)).toBe(false);
    });
    return;
  }
  it.each(paths.map((path) => [path.name, path] as const))("%s", (_, path) => {
    expect(evaluator.allowed(path.from, path.to, path.port, "TCP")).toBe(path.allowed);
  });
});

describe("the matrix", () => {
  it("covers telemetry and exposure paths in the project's stacks", () => {
    const names = clusters
      .filter((cluster) => cluster.source.startsWith("Pulumi."))
      .flatMap(platformPaths)
      .map((path) => path.name);
    expect(names.some((name) => name.includes("collector scrapes it"))).toBe(true);
    expect(names.some((name) => name.includes("sends OTLP"))).toBe(true);
    expect(names.some((name) => name.includes("gateway → pod"))).toBe(true);
    expect(names).toContain("collector scrapes the tunnel's metrics");
  });
});
