import { renderedClusters } from "./rendered-clusters";

/**
 * Every URL a spoke's collector pushes to, followed through its hub's rendered routes as Gateway API
 * routes it (method and path-prefix match, then the prefix rewrite): it must reach the store's own push
 * API, with the spoke's tenant set. The routes' backends are checked against the Services the hub's charts
 * render in test/chart-facts/services.test.ts.
 */
// Kubernetes manifests are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const clusters = renderedClusters();
// The example spokes, whose hub is a stack here (a fixture's hub named by address is not rendered).
const spokes = clusters.filter(
  (cluster) => cluster.source.startsWith("Pulumi.") && cluster.charts.telemetry?.role === "spoke",
);

/** What each store serves pushes on: its Service, port and path. */
const pushApis = [
  { service: "loki", port: 3100, path: "/loki/api/v1/push" },
  { service: "mimir-gateway", port: 80, path: "/api/v1/push" },
  // Alloy's otlphttp exporter posts traces to <endpoint>/v1/traces.
  { service: "tempo", port: 4318, path: "/v1/traces" },
];

/** The request a route sends on, or undefined when no rule matches. */
function route(routes: Json[], host: string, method: string, path: string) {
  for (const each of routes.filter((candidate) => candidate.spec.hostnames?.includes(host))) {
    for (const rule of each.spec.rules) {
      const match = rule.matches.find(
        (candidate: Json) =>
          (candidate.method ?? method) === method &&
          (candidate.path.type === "Exact"
            ? path === candidate.path.value
            : candidate.path.type === "PathPrefix" &&
              (path === candidate.path.value || path.startsWith(`${candidate.path.value}/`))),
      );
      if (!match) continue;
      const rewrite = rule.filters?.find((filter: Json) => filter.type === "URLRewrite")?.urlRewrite.path;
      const rest = path.slice(match.path.value.length);
      const rewritten =
        rewrite?.type === "ReplaceFullPath"
          ? rewrite.replaceFullPath
          : rewrite?.type === "ReplacePrefixMatch"
            ? rewrite.replacePrefixMatch === "/"
              ? rest || "/"
              : `${rewrite.replacePrefixMatch}${rest}`
            : path;
      const headers = rule.filters?.find((filter: Json) => filter.type === "RequestHeaderModifier")
        ?.requestHeaderModifier.set;
      return { route: each.metadata.name, path: rewritten, backend: rule.backendRefs[0], headers };
    }
  }
  return undefined;
}

it("covers the example spokes", () => {
  expect(spokes.map((spoke) => spoke.inventory.name).sort()).toEqual(["dev", "prod"]);
});

describe.each(spokes.map((spoke) => [spoke.source, spoke] as const))("%s", (_, spoke) => {
  const telemetry = spoke.charts.telemetry?.role === "spoke" ? spoke.charts.telemetry : undefined;
  const hub = clusters.find(
    (cluster) => cluster.source.startsWith("Pulumi.") && cluster.inventory.name === telemetry!.hub.cluster,
  )!;
  const routes = hub.objects.filter((object) => object.kind === "HTTPRoute") as Json[];
  const config = telemetry!.collectorConfig;
  const pushes = [
    ...[...config.matchAll(/^\s*url\s*=\s*"([^"]+)"/gm)].map(([, url]) => url),
    ...[...config.matchAll(/^\s*endpoint\s*=\s*"(https:[^"]+)"/gm)].map(([, url]) => `${url}/v1/traces`),
  ];

  it("pushes logs, metrics and traces, all to the hub's gateway over TLS", () => {
    expect(pushes).toHaveLength(3);
    for (const push of pushes) expect(push.startsWith(`https://${telemetry!.hub.hostname}/`)).toBe(true);
  });

  it.each(pushes)("%s reaches a store's push API as the spoke's tenant", (push) => {
    const url = new URL(push);
    const reached = route(routes, url.hostname, "POST", url.pathname);
    expect(reached).toBeDefined();
    expect(reached!.route).toBe(`telemetry-${spoke.inventory.name}`);
    expect(reached!.headers).toEqual([{ name: "X-Scope-OrgID", value: spoke.inventory.name }]);
    expect(pushApis).toContainEqual({
      service: reached!.backend.name,
      port: reached!.backend.port,
      path: reached!.path,
    });
  });

  it("reaches nothing but pushes: reads and other methods match no rule", () => {
    const base = `/tenants/${spoke.inventory.name}`;
    expect(route(routes, telemetry!.hub.hostname, "GET", `${base}/loki/api/v1/query`)).toBeUndefined();
    expect(route(routes, telemetry!.hub.hostname, "POST", `${base}/grafana/api`)).toBeUndefined();
    expect(route(routes, telemetry!.hub.hostname, "POST", `${base}/lokiX/api/v1/push`)).toBeUndefined();
    // Beside the push paths: Loki's query and delete APIs, Mimir's reads, rules and Alertmanager, suffixes.
    for (const path of [
      "/loki/loki/api/v1/delete",
      "/loki/loki/api/v1/query_range",
      "/mimir/prometheus/api/v1/query",
      "/mimir/prometheus/config/v1/rules/x",
      "/mimir/api/v1/alerts",
      "/mimir/api/v1/push/x",
      "/otlp/v1/traces/x",
    ]) {
      expect([path, route(routes, telemetry!.hub.hostname, "POST", `${base}${path}`)]).toEqual([
        path,
        undefined,
      ]);
    }
  });
});
