import { Lgtm } from "../../constructs/lgtm";
import { lgtmEndpoints } from "../../constructs/lgtm-values";
import { platformNamespaces } from "../../inventory";
import type { HelmChart } from "../../constructs/platform-component";
import { edgePlan } from "../../stacks/builders/edge";
import { chartFacts, evaluateNameTemplate, knownServices, servicesOf } from "../support/helm-names";
import { chartInstallClusters, type ChartInstallCluster } from "../support/chart-installs";

// Kubernetes objects and Helm values are untyped JSON; the checks below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * Every Service the project points at — route backends, datasource URLs, the collector's exporters, Tempo's
 * remote write, the apps' OTLP endpoint, the tunnel's origin — is created by a chart (or, for the gateways'
 * proxies, by the project's own EnvoyProxy objects) under that name, in that namespace, on that port.
 */

type Cluster = ChartInstallCluster;

const clusters: Cluster[] = chartInstallClusters();

/** One place the project names an in-cluster Service. */
interface ServiceReference {
  readonly what: string;
  readonly service: string;
  readonly namespace: string;
  readonly port: number;
}

/** `http://name.ns.svc[.cluster.local][:port][/path]` or `name.ns.svc[.cluster.local]:port`. */
function parseServiceAddress(what: string, address: string): ServiceReference {
  const match =
    /^(?:(https?):\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?(?::(\d+))?(?:\/.*)?$/.exec(
      address,
    );
  if (!match) throw new Error(`${what}: ${address} is not an in-cluster Service address`);
  const [, scheme, service, namespace, port] = match;
  const defaultPort = scheme === "https" ? 443 : scheme === "http" ? 80 : undefined;
  const resolvedPort = port ? Number(port) : defaultPort;
  if (resolvedPort === undefined) throw new Error(`${what}: ${address} names no port`);
  return { what, service, namespace, port: resolvedPort };
}

function objectsOf(cluster: Cluster, component: string): Json[] {
  const chart = cluster.charts.components.find((candidate) => candidate.component === component);
  return chart ? (chart.chart.toJson() as Json[]) : [];
}

function helmChartsOf(cluster: Cluster): HelmChart[] {
  return cluster.charts.components.flatMap((component) => [...component.helmCharts]);
}

function valuesOf(cluster: Cluster, chart: string): Json {
  return helmChartsOf(cluster).find((candidate) => candidate.name === chart)?.values;
}

function lgtmOf(cluster: Cluster): Lgtm | undefined {
  const component = cluster.charts.components.find((candidate) => candidate.component === "lgtm");
  return component?.chart.node.findAll().find((construct): construct is Lgtm => construct instanceof Lgtm);
}

/** Every reference to a chart-made Service in one cluster. */
function chartServiceReferences(cluster: Cluster): ServiceReference[] {
  const references: ServiceReference[] = [];
  for (const component of ["argocd", "lgtm"]) {
    for (const route of objectsOf(cluster, component).filter((object) => object.kind === "HTTPRoute")) {
      for (const rule of route.spec.rules ?? []) {
        for (const backend of rule.backendRefs ?? []) {
          references.push({
            what: `${component} HTTPRoute ${route.metadata.name} backend`,
            service: backend.name,
            namespace: backend.namespace ?? route.metadata.namespace,
            port: backend.port,
          });
        }
      }
    }
  }
  const grafana = valuesOf(cluster, "grafana");
  for (const datasource of grafana?.datasources?.["datasources.yaml"]?.datasources ?? []) {
    references.push(parseServiceAddress(`Grafana datasource ${datasource.name}`, datasource.url));
  }
  const alloyConfig: string | undefined = valuesOf(cluster, "alloy")?.alloy?.configMap?.content;
  if (alloyConfig) {
    for (const [, key, address] of alloyConfig.matchAll(/^\s*(url|endpoint)\s*=\s*"([^"]+)"/gm)) {
      if (address.startsWith("0.0.0.0:")) continue; // Alloy's own receivers
      // A spoke ships to its hub's gateway, not to a Service of its own (test/render/telemetry-ingest.test.ts).
      const hub = cluster.charts.telemetry?.role === "spoke" ? cluster.charts.telemetry.hub : undefined;
      if (hub && address.startsWith(`https://${hub.hostname}/tenants/${cluster.inventory.name}/`)) continue;
      references.push(parseServiceAddress(`Alloy ${key} ${address}`, address));
    }
  }
  const tempo = valuesOf(cluster, "tempo");
  if (tempo) {
    references.push(
      parseServiceAddress(
        "Tempo metrics-generator remote write",
        tempo.tempo.metricsGenerator.remoteWriteUrl,
      ),
    );
  }
  // Where apps send OTLP: the collector's Service, on a hub and on a spoke alike.
  const endpoints = cluster.charts.telemetry
    ? (lgtmOf(cluster)?.endpoints ?? lgtmEndpoints(platformNamespaces.lgtm))
    : undefined;
  if (endpoints) {
    references.push(parseServiceAddress("apps' OTLP gRPC endpoint", endpoints.otlpGrpcEndpoint));
    references.push(parseServiceAddress("apps' OTLP HTTP endpoint", endpoints.otlpHttpEndpoint));
  }
  return references;
}

/** The known Services every chart of the cluster renders, with their names for the project's values. */
function renderedServices(cluster: Cluster) {
  return helmChartsOf(cluster).flatMap((chart) =>
    servicesOf(chart.name, chart.version, chart.release, chart.values)
      .filter((service) => service.rendered)
      .map((service) => ({ ...service, namespace: chart.namespace, release: chart.release })),
  );
}

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))("%s", (_source, cluster) => {
  const references = chartServiceReferences(cluster);
  const services = renderedServices(cluster);

  if (cluster.charts.telemetry?.role === "spoke") {
    it("names the collector's Service where apps send OTLP, and no store", () => {
      const whats = references.map((reference) => reference.what);
      expect(whats).toEqual(expect.arrayContaining(["apps' OTLP gRPC endpoint", "apps' OTLP HTTP endpoint"]));
      expect(whats.filter((what) => what.startsWith("Alloy ") || what.startsWith("Grafana"))).toEqual([]);
    });
  }
  if (cluster.charts.telemetry?.role === "hub") {
    it("names the Services of the LGTM stack from every place that points at them", () => {
      const whats = references.map((reference) => reference.what);
      expect(whats).toEqual(
        expect.arrayContaining([
          "Grafana datasource Mimir",
          "Grafana datasource Loki",
          "Grafana datasource Tempo",
          "Tempo metrics-generator remote write",
          "apps' OTLP gRPC endpoint",
          "apps' OTLP HTTP endpoint",
        ]),
      );
      expect(whats.filter((what) => what.startsWith("Alloy "))).toHaveLength(3);
    });
  }

  it.each(
    references.map(
      (reference) =>
        [
          `${reference.what} → ${reference.service}.${reference.namespace}:${reference.port}`,
          reference,
        ] as const,
    ),
  )("%s is a Service a chart creates, on that port", (_label, reference) => {
    const matches = services.filter(
      (service) => service.name === reference.service && service.namespace === reference.namespace,
    );
    expect(matches.map((service) => `${service.known.chart}: ${service.known.description}`)).toHaveLength(1);
    expect(matches[0].ports).toContain(reference.port);
  });

  const publicHost = cluster.charts.publicGatewayHost;
  if (publicHost && cluster.inventory.cloudflare && cluster.charts.publicExposures.length > 0) {
    it("sends the tunnel to the Service its public EnvoyProxy pins, on the Gateway's HTTPS listener", () => {
      const plan = edgePlan(cluster.inventory, cluster.charts.publicExposures, publicHost);
      const origins = plan.ingresses.flatMap((ingress) => (ingress.hostname ? [ingress.service] : []));
      expect(origins.length).toBeGreaterThan(0);
      const objects = objectsOf(cluster, "envoy-gateway");
      for (const origin of new Set(origins)) {
        const reference = parseServiceAddress("cloudflared origin", origin);
        const proxies = objects.filter(
          (object) =>
            object.kind === "EnvoyProxy" &&
            object.metadata.namespace === reference.namespace &&
            object.spec.provider?.kubernetes?.envoyService?.name === reference.service,
        );
        expect(proxies).toHaveLength(1);
        const gateways = objects.filter(
          (object) =>
            object.kind === "Gateway" &&
            object.metadata.namespace === reference.namespace &&
            object.spec.infrastructure?.parametersRef?.kind === "EnvoyProxy" &&
            object.spec.infrastructure?.parametersRef?.name === proxies[0].metadata.name,
        );
        expect(gateways).toHaveLength(1);
        expect(gateways[0].spec.listeners.map((listener: Json) => listener.port)).toContain(reference.port);
      }
    });
  }
});

describe("the name evaluator", () => {
  it("was written for the vendored name template of every Service it knows", () => {
    for (const known of knownServices) {
      const facts = chartFacts(known.chart, known.version);
      const raws = facts.services.filter((service) => service.template === known.template).map((s) => s.name);
      expect({ chart: known.chart, template: known.template, raws }).toEqual({
        chart: known.chart,
        template: known.template,
        raws: expect.arrayContaining([known.raw]),
      });
    }
  });

  it("fails loudly when a vendored name template changes", () => {
    const facts = chartFacts("grafana", "12.11.1");
    const changed = { ...facts, services: facts.services.map((s) => ({ ...s, name: `${s.name}-v2` })) };
    expect(() => servicesOf("grafana", "12.11.1", "grafana", {}, changed)).toThrow(
      /the vendored Service name template is now/,
    );
  });

  it("follows Helm's fullname rules", () => {
    const chart = { name: "grafana", version: "12.11.1" };
    const raw = '{{ include "grafana.fullname" . }}';
    const name = (releaseName: string, values: Json) =>
      evaluateNameTemplate(raw, chart, { releaseName, chartName: "grafana", values });
    expect(name("grafana", {})).toBe("grafana");
    expect(name("my-grafana-x", {})).toBe("my-grafana-x");
    expect(name("obs", {})).toBe("obs-grafana");
    expect(name("obs", { nameOverride: "ui" })).toBe("obs-ui");
    expect(name("obs", { fullnameOverride: "dash" })).toBe("dash");
    expect(name("x".repeat(62), { fullnameOverride: `${"x".repeat(62)}-y` })).toBe("x".repeat(62));
  });

  it("knows mimir's name is not its chart's, and its component and override helpers", () => {
    const [gateway] = servicesOf("mimir-distributed", "6.1.0", "metrics", {});
    expect(gateway.name).toBe("metrics-mimir-gateway");
    expect(gateway.rendered).toBe(true);
    expect(gateway.ports).toEqual([80, 8080]);
    const [renamed] = servicesOf("mimir-distributed", "6.1.0", "mimir", {
      gateway: { service: { nameOverride: "front" } },
    });
    expect(renamed.name).toBe("front");
    expect(
      servicesOf("mimir-distributed", "6.1.0", "mimir", { gateway: { enabled: false } })[0].rendered,
    ).toBe(false);
  });

  it("renders Loki's single-binary Service only in monolithic mode", () => {
    const [loki] = servicesOf("loki", "18.11.0", "logs", { deploymentMode: "SimpleScalable" });
    expect(loki.name).toBe("logs-loki");
    expect(loki.rendered).toBe(false);
  });

  it("refuses templates it does not understand", () => {
    const chart = { name: "mimir-distributed", version: "6.1.0" };
    const ctx = { releaseName: "mimir", chartName: "mimir-distributed", values: {} };
    expect(() => evaluateNameTemplate('{{ include "mimir.resourceName" $args }}', chart, ctx)).toThrow(
      /unsupported helper argument/,
    );
    expect(() =>
      evaluateNameTemplate('{{ include "mimir.fullname" . }}', { ...chart, version: "7.0.0" }, ctx),
    ).toThrow(/no name helpers for mimir-distributed 7.0.0/);
  });
});
