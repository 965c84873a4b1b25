import { ciliumMetricsPorts } from "../../constructs/cilium";
import { envoyProxyPodPort } from "../../constructs/envoy-gateway";
import { kubeStateMetricsPort, kubeStateMetricsWorkload } from "../../constructs/kube-state-metrics";
import { kubeletPort, telemetryCollector } from "../../constructs/telemetry-collectors";
import { nodeExporterPort } from "../../constructs/node-exporter";
import { controlPlaneNodes, platformNamespaces, telemetryHubOf } from "../../inventory";
import { NetworkPolicyEvaluator, type Endpoint, type PodEndpoint } from "../support/network-policy-evaluator";
import { renderedClusters, type RenderedCluster } from "./rendered-clusters";

/**
 * The telemetry paths, asked of each cluster's own NetworkPolicies: inside every observed cluster (the
 * collector to the kubelets, node-exporter, the CNI's agents and kube-state-metrics; kube-state-metrics to
 * the API), from each spoke's collector to its hub's internal gateway, and on the hub from the internal
 * gateway's proxies to the three push receivers. The paths next to them stay closed.
 */
interface Path {
  readonly name: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly allowed: boolean;
}

const monitoring = platformNamespaces.lgtm;
const collector: PodEndpoint = {
  namespace: monitoring,
  labels: { ...telemetryCollector(monitoring).podLabels },
};
const ksm: PodEndpoint = { namespace: monitoring, labels: { ...kubeStateMetricsWorkload.podLabels } };
const chartPod = (name: string, extra: Record<string, string> = {}): PodEndpoint => ({
  namespace: monitoring,
  labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name, ...extra },
});
const loki = chartPod("loki", { "app.kubernetes.io/component": "single-binary" });
const tempo = chartPod("tempo");
const mimirGateway = chartPod("mimir", { "app.kubernetes.io/component": "gateway" });
const mimirIngester = chartPod("mimir", { "app.kubernetes.io/component": "ingester" });
const proxy = (gateway: "internal" | "public"): PodEndpoint => ({
  namespace: platformNamespaces.envoyGateway,
  labels: {
    "gateway.envoyproxy.io/owning-gateway-name": gateway,
    "gateway.envoyproxy.io/owning-gateway-namespace": platformNamespaces.envoyGateway,
  },
});
const argocdServer: PodEndpoint = {
  namespace: platformNamespaces.argocd,
  labels: { "app.kubernetes.io/name": "argocd-server" },
};

const clusters = renderedClusters();

function insidePaths({ inventory }: RenderedCluster): Path[] {
  const paths: Path[] = [];
  for (const node of inventory.nodes) {
    const at = { ip: node.address };
    paths.push(
      {
        name: `collector → kubelet of ${node.name}`,
        from: collector,
        to: at,
        port: kubeletPort,
        allowed: true,
      },
      {
        name: `collector → node-exporter on ${node.name}`,
        from: collector,
        to: at,
        port: nodeExporterPort,
        allowed: true,
      },
      { name: `collector ↛ ${node.name}'s apid`, from: collector, to: at, port: 50000, allowed: false },
      {
        name: `kube-state-metrics ↛ kubelet of ${node.name}`,
        from: ksm,
        to: at,
        port: kubeletPort,
        allowed: false,
      },
    );
    if (inventory.network.cni === "cilium") {
      for (const [agent, port] of Object.entries(ciliumMetricsPorts)) {
        paths.push({
          name: `collector → Cilium ${agent} on ${node.name}`,
          from: collector,
          to: at,
          port,
          allowed: true,
        });
      }
    }
  }
  const controlPlane = { ip: controlPlaneNodes(inventory)[0].address };
  paths.push(
    {
      name: "collector → kube-state-metrics",
      from: collector,
      to: ksm,
      port: kubeStateMetricsPort,
      allowed: true,
    },
    { name: "kube-state-metrics → the API", from: ksm, to: controlPlane, port: 6443, allowed: true },
    {
      name: "kube-state-metrics ↛ the internet",
      from: ksm,
      to: { ip: "1.1.1.1" },
      port: 443,
      allowed: false,
    },
    { name: "collector ↛ the internet", from: collector, to: { ip: "1.1.1.1" }, port: 443, allowed: false },
  );
  if (inventory.platform.argocd.enabled) {
    paths.push({
      name: "Argo CD ↛ kube-state-metrics",
      from: argocdServer,
      to: ksm,
      port: kubeStateMetricsPort,
      allowed: false,
    });
  }
  return paths;
}

function spokePaths(cluster: RenderedCluster): Path[] {
  const hub = cluster.charts.telemetry?.role === "spoke" ? cluster.charts.telemetry.hub : undefined;
  if (!hub) return [];
  const at = { ip: hub.address };
  return [
    {
      name: `collector → hub ${hub.cluster}'s gateway on 443`,
      from: collector,
      to: at,
      port: 443,
      allowed: true,
    },
    {
      name: `collector ↛ hub ${hub.cluster}'s gateway on 80`,
      from: collector,
      to: at,
      port: 80,
      allowed: false,
    },
    { name: `kube-state-metrics ↛ hub ${hub.cluster}`, from: ksm, to: at, port: 443, allowed: false },
  ];
}

const grafana = chartPod("grafana");

/** A hub's alert e-mails: Grafana to its relay's port, nothing else outside. */
function relayPaths({ inventory }: RenderedCluster): Path[] {
  const relay =
    inventory.platform.lgtm.role === "hub" ? inventory.platform.lgtm.alerts?.smtp.host : undefined;
  if (!relay) return [];
  const [host, port] = relay.split(":");
  const address = /^\d+(\.\d+){3}$/.test(host) ? host : "203.0.113.25";
  return [
    {
      name: `Grafana → the relay ${relay}`,
      from: grafana,
      to: { ip: address },
      port: Number(port),
      allowed: true,
    },
    {
      name: "Grafana ↛ the relay's port on the LAN",
      from: grafana,
      to: { ip: "10.99.0.25" },
      port: Number(port),
      allowed: /^\d/.test(host) && host === "10.99.0.25",
    },
    {
      name: "Grafana ↛ the internet on 443",
      from: grafana,
      to: { ip: "203.0.113.25" },
      port: 443,
      allowed: false,
    },
  ];
}

function hubPaths(cluster: RenderedCluster): Path[] {
  const telemetry = cluster.charts.telemetry;
  if (telemetry?.role !== "hub" || telemetry.tenants.length < 2) return [];
  const internal = proxy("internal");
  return [
    { name: "internal gateway → Loki's push", from: internal, to: loki, port: 3100, allowed: true },
    { name: "internal gateway → Tempo's OTLP HTTP", from: internal, to: tempo, port: 4318, allowed: true },
    {
      name: "internal gateway → Mimir's gateway",
      from: internal,
      to: mimirGateway,
      port: 8080,
      allowed: true,
    },
    {
      name: "internal gateway ↛ Mimir's ingesters",
      from: internal,
      to: mimirIngester,
      port: 8080,
      allowed: false,
    },
    { name: "internal gateway ↛ Loki's gRPC", from: internal, to: loki, port: 9095, allowed: false },
    { name: "internal gateway ↛ Tempo's query API", from: internal, to: tempo, port: 3200, allowed: false },
    { name: "public gateway ↛ Loki", from: proxy("public"), to: loki, port: 3100, allowed: false },
    { name: "Argo CD ↛ Loki", from: argocdServer, to: loki, port: 3100, allowed: false },
  ];
}

it("covers alert e-mails through a named relay", () => {
  expect(clusters.flatMap(relayPaths).some((path) => path.allowed)).toBe(true);
});

describe.each(
  clusters.filter((cluster) => cluster.charts.telemetry).map((cluster) => [cluster.source, cluster] as const),
)("%s", (_, cluster) => {
  const evaluator = new NetworkPolicyEvaluator(cluster.objects);
  const paths = [
    ...insidePaths(cluster),
    ...spokePaths(cluster),
    ...hubPaths(cluster),
    ...relayPaths(cluster),
  ];
  it.each(paths.map((path) => [path.name, path] as const))("%s", (_, path) => {
    expect(evaluator.allowed(path.from, path.to, path.port, "TCP")).toBe(path.allowed);
  });
});

describe("from each spoke to its hub, through both clusters' policies", () => {
  // The example spokes, whose hub is a stack here (a fixture's hub named by address is not rendered).
  const spokes = clusters.filter(
    (cluster) => cluster.source.startsWith("Pulumi.") && cluster.charts.telemetry?.role === "spoke",
  );

  it("covers the example spokes", () => {
    expect(spokes.map((cluster) => cluster.inventory.name).sort()).toEqual(["dev", "prod"]);
  });

  it.each(spokes.map((cluster) => [cluster.source, cluster] as const))("%s", (_, spoke) => {
    const hubTelemetry = spoke.charts.telemetry?.role === "spoke" ? spoke.charts.telemetry.hub : undefined;
    const hub = clusters.find(
      (cluster) => cluster.source.startsWith("Pulumi.") && cluster.inventory.name === hubTelemetry?.cluster,
    )!;
    expect(telemetryHubOf(hub.inventory)).toEqual(hubTelemetry);
    const atSpoke = new NetworkPolicyEvaluator(spoke.objects);
    const atHub = new NetworkPolicyEvaluator(hub.objects);
    // The collector's packets leave the spoke's node with the node's address (no policy on the LAN).
    expect(atSpoke.allowed(collector, { ip: hubTelemetry!.address }, 443, "TCP")).toBe(true);
    const spokeNode = { ip: spoke.inventory.nodes[0].address };
    expect(atHub.allowed(spokeNode, proxy("internal"), envoyProxyPodPort(443), "TCP")).toBe(true);
    for (const [store, port] of [
      [loki, 3100],
      [tempo, 4318],
      [mimirGateway, 8080],
    ] as const) {
      expect(atHub.allowed(proxy("internal"), store, port, "TCP")).toBe(true);
    }
    // A spoke's node cannot skip the gateway.
    expect(atHub.allowed(spokeNode, loki, 3100, "TCP")).toBe(false);
  });
});
