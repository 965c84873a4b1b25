import * as fs from "fs";
import * as path from "path";

/**
 * What the Services of a pinned chart are called, and on which ports they listen, for given values — a
 * small evaluator of the `metadata.name` templates that `scripts/vendor.ts` records in
 * `vendor/charts/<chart>-<version>.json` (`services[].name`, the raw template text).
 *
 * Scope, deliberately narrow and honest:
 * - A name template is literal text plus `{{ include|template "<helper>" <arg> }}` actions, where `<arg>` is
 *   `.`/`$` or `(dict "ctx" . "component" "<c>" "suffix" "<s>")` with quoted string values, and `{{ $var }}`
 *   for variables a known call site binds. Anything else (pipelines, `$args`, conditionals) throws.
 * - Helpers are code copied from the chart's `_helpers.tpl`, each registered under the chart *version* it
 *   was read from: a chart bump leaves the new version without helpers, so the tests fail until someone
 *   re-reads the templates and registers them again.
 * - Only the Services this project points at are known (`knownServices`): each records the raw name
 *   template it was written for — the test fails when the vendored text differs — when the chart renders
 *   it, and its ports, read from the chart's Service template (file named in each entry).
 */

/** The vendored facts of one chart version; see scripts/vendor.ts. */
export interface ChartFacts {
  readonly chart: { readonly name: string; readonly version: string };
  readonly values: Record<string, unknown>;
  readonly valuesReferences: readonly string[];
  readonly services: readonly { readonly template: string; readonly name: string }[];
}

export const vendoredChartsDirectory = path.resolve(__dirname, "../../vendor/charts");

const factsCache = new Map<string, ChartFacts>();

/** The vendored facts of `<chart>-<version>`; throws when they are missing. */
export function chartFacts(chart: string, version: string): ChartFacts {
  const key = `${chart}-${version}`;
  let facts = factsCache.get(key);
  if (!facts) {
    const file = path.join(vendoredChartsDirectory, `${key}.json`);
    if (!fs.existsSync(file)) {
      throw new Error(`no vendored facts for chart ${chart} ${version} at ${file} — run npm run vendor`);
    }
    facts = JSON.parse(fs.readFileSync(file, "utf8")) as ChartFacts;
    factsCache.set(key, facts);
  }
  return facts;
}

type Json = unknown;

function isMap(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The values a chart's templates see: `overrides` coalesced over `defaults` as Helm does — maps merge key
 * by key, a `null` override deletes the key, anything else replaces.
 */
export function helmMerge(defaults: Json, overrides: Json): Json {
  if (!isMap(defaults) || !isMap(overrides)) return overrides === undefined ? defaults : overrides;
  const merged: Record<string, Json> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = key in defaults ? helmMerge(defaults[key], value) : value;
  }
  return merged;
}

/** `.Values.a.b.c` of `values`, undefined when a segment is missing. */
export function valueAt(values: Json, dottedPath: string): Json {
  let current: Json = values;
  for (const segment of dottedPath.split(".")) {
    if (!isMap(current) || !(segment in current)) return undefined;
    current = current[segment];
  }
  return current;
}

/** What a name helper sees: the release and the merged values. */
export interface HelmContext {
  readonly releaseName: string;
  readonly chartName: string;
  readonly values: Json;
}

type HelperArgs = Readonly<Record<string, string>>;
type Helper = (ctx: HelmContext, args: HelperArgs) => string;

/** Go template's `trunc 63 | trimSuffix "-"`. */
function trunc63(name: string): string {
  const truncated = name.slice(0, 63);
  return truncated.endsWith("-") ? truncated.slice(0, -1) : truncated;
}

function stringValue(values: Json, dottedPath: string): string {
  const value = valueAt(values, dottedPath);
  if (value === undefined || value === null || value === "") return "";
  if (typeof value !== "string")
    throw new Error(`.Values.${dottedPath} is not a string: ${JSON.stringify(value)}`);
  if (value.includes("{{"))
    throw new Error(`.Values.${dottedPath} is a template; the evaluator does not run tpl`);
  return value;
}

/**
 * The common `<chart>.fullname`: `fullnameOverride`; else the release name when it contains the name
 * (`nameOverride`, else `defaultName`); else `<release>-<name>`; truncated to 63 and `-`-trimmed.
 */
function standardFullname(defaultName: (ctx: HelmContext) => string): Helper {
  return (ctx) => {
    const override = stringValue(ctx.values, "fullnameOverride");
    if (override) return trunc63(override);
    const name = stringValue(ctx.values, "nameOverride") || defaultName(ctx);
    return trunc63(ctx.releaseName.includes(name) ? ctx.releaseName : `${ctx.releaseName}-${name}`);
  };
}

const chartName = (ctx: HelmContext) => ctx.chartName;

/** Name helpers by `<chart>@<version>`: the version each was copied from. */
const helpersByChartVersion: Record<string, Record<string, Helper>> = {
  // argo-cd 10.1.1 templates/_common.tpl:14 (argo-cd.fullname), templates/_helpers.tpl:113 (server).
  "argo-cd@10.1.1": {
    "argo-cd.fullname": standardFullname(chartName),
    "argo-cd.server.fullname": (ctx) =>
      trunc63(
        `${helpersByChartVersion["argo-cd@10.1.1"]["argo-cd.fullname"](ctx, {})}-${stringValue(ctx.values, "server.name")}`,
      ),
  },
  // grafana 12.11.1 templates/_helpers.tpl:14.
  "grafana@12.11.1": { "grafana.fullname": standardFullname(chartName) },
  // alloy 1.8.1 templates/_helpers.tpl:13.
  "alloy@1.8.1": { "alloy.fullname": standardFullname(chartName) },
  // tempo 2.2.4 templates/_helpers.tpl:14.
  "tempo@2.2.4": { "tempo.fullname": standardFullname(chartName) },
  // loki 18.11.0 templates/_helpers.tpl:40 (loki.name: nameOverride, which the chart passes through tpl —
  // refused here — else the chart name), :116 (loki.fullname), :80 (loki.resourceName: fullname, then
  // `-<component>`, `-<rolloutZoneName>`, `-<suffix>`, truncated to 63 and `-`-trimmed).
  "loki@18.11.0": {
    "loki.fullname": standardFullname(chartName),
    "loki.resourceName": (ctx, args) => {
      let name = helpersByChartVersion["loki@18.11.0"]["loki.fullname"](ctx, {});
      if (args.component) name = `${name}-${args.component}`;
      if (args.rolloutZoneName) name = `${name}-${args.rolloutZoneName}`;
      if (args.suffix) name = `${name}-${args.suffix}`;
      return trunc63(name);
    },
  },
  // mimir-distributed 6.1.0 templates/_helpers.tpl:14 (mimir.fullname; the name is mimir.infixName,
  // "mimir", not the chart name), :215 (mimir.resourceName: fullname, then `-<component>`,
  // `-<rolloutZoneName>`, not truncated, failing past 253), templates/gateway/_helpers.tpl:11
  // (mimir.gateway.service.name: gateway.service.nameOverride, else resourceName "gateway").
  "mimir-distributed@6.1.0": {
    "mimir.fullname": standardFullname(() => "mimir"),
    "mimir.resourceName": (ctx, args) => {
      let name = helpersByChartVersion["mimir-distributed@6.1.0"]["mimir.fullname"](ctx, {});
      if (args.component) name = `${name}-${args.component}`;
      if (args.rolloutZoneName) name = `${name}-${args.rolloutZoneName}`;
      if (name.length > 253) throw new Error(`mimir.resourceName: ${name} exceeds 253 characters`);
      return name;
    },
    "mimir.gateway.service.name": (ctx) =>
      stringValue(ctx.values, "gateway.service.nameOverride") ||
      helpersByChartVersion["mimir-distributed@6.1.0"]["mimir.resourceName"](ctx, { component: "gateway" }),
  },
};

const actionPattern = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const includePattern = /^(?:include|template)\s+"([^"]+)"\s+(.+)$/;

function parseHelperArgument(argument: string): HelperArgs {
  if (argument === "." || argument === "$") return {};
  const dict = /^\(dict\s+(.*)\)$/.exec(argument);
  if (!dict) throw new Error(`unsupported helper argument ${argument}`);
  const tokens = dict[1].match(/"[^"]*"|\S+/g) ?? [];
  if (tokens.length % 2 !== 0) throw new Error(`odd dict ${argument}`);
  const args: Record<string, string> = {};
  for (let index = 0; index < tokens.length; index += 2) {
    const key = JSON.parse(tokens[index]) as string;
    const value = tokens[index + 1];
    if (key === "ctx") {
      if (value !== "." && value !== "$") throw new Error(`unsupported ctx ${value} in ${argument}`);
    } else if (value.startsWith('"')) {
      args[key] = JSON.parse(value) as string;
    } else {
      throw new Error(`unsupported dict value ${value} for ${key} in ${argument}`);
    }
  }
  return args;
}

/**
 * Evaluates a raw `metadata.name` template of `chart@version` for a release with merged values.
 * `variables` binds `$name`-style variables the template's call site sets.
 */
export function evaluateNameTemplate(
  raw: string,
  chart: { readonly name: string; readonly version: string },
  ctx: HelmContext,
  variables: Readonly<Record<string, string>> = {},
): string {
  const helpers = helpersByChartVersion[`${chart.name}@${chart.version}`];
  if (!helpers) {
    throw new Error(
      `no name helpers for ${chart.name} ${chart.version}: re-read its _helpers.tpl and register them in test/support/helm-names.ts`,
    );
  }
  const unquoted = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
  return unquoted.replace(actionPattern, (_match, action: string) => {
    if (action.startsWith("$")) {
      const value = variables[action];
      if (value === undefined) throw new Error(`${raw}: no binding for ${action}`);
      return value;
    }
    const include = includePattern.exec(action);
    if (!include) throw new Error(`${raw}: unsupported action {{ ${action} }}`);
    const helper = helpers[include[1]];
    if (!helper)
      throw new Error(`${raw}: helper ${include[1]} of ${chart.name} ${chart.version} is not known`);
    return helper(ctx, parseHelperArgument(include[2]));
  });
}

/** A Service of a pinned chart that this project points at. */
export interface KnownService {
  readonly chart: string;
  readonly version: string;
  /** The template file and the raw name template the evaluator was written for. */
  readonly template: string;
  readonly raw: string;
  /** What the Service is in this project's words. */
  readonly description: string;
  /** Variables the call site binds for the name template. */
  variables?(ctx: HelmContext): Record<string, string>;
  /** Whether the chart renders it with these values. */
  rendered(values: Json): boolean;
  /** The ports of the Service with these values. */
  ports(values: Json): number[];
}

function numberAt(values: Json, dottedPath: string): number {
  const value = valueAt(values, dottedPath);
  const port = typeof value === "string" ? Number(value) : value;
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new Error(`.Values.${dottedPath} is not a port: ${JSON.stringify(value)}`);
  }
  return port;
}

/** The port of an `host:port` receiver endpoint, as tempo's templates/_ports.tpl derives it (`regexSplit ":" | last`). */
function endpointPort(values: Json, dottedPath: string): number[] {
  const endpoint = valueAt(values, dottedPath);
  if (typeof endpoint !== "string" || endpoint === "") return [];
  return [Number(endpoint.split(":").at(-1))];
}

export const knownServices: readonly KnownService[] = [
  {
    chart: "argo-cd",
    version: "10.1.1",
    template: "templates/argocd-server/service.yaml",
    raw: '{{ template "argo-cd.server.fullname" . }}',
    description: "Argo CD's API server and UI",
    rendered: () => true,
    // templates/argocd-server/service.yaml:38-50.
    ports: (values) => [
      numberAt(values, "server.service.servicePortHttp"),
      numberAt(values, "server.service.servicePortHttps"),
    ],
  },
  {
    chart: "grafana",
    version: "12.11.1",
    template: "templates/service.yaml",
    raw: '{{ include "grafana.fullname" . }}',
    description: "Grafana's UI",
    // templates/service.yaml:1 `if .Values.service.enabled`; :57-59 one port, `.Values.service.port`.
    rendered: (values) => valueAt(values, "service.enabled") === true,
    ports: (values) => [numberAt(values, "service.port")],
  },
  {
    chart: "loki",
    version: "18.11.0",
    template: "templates/_service.tpl",
    raw: '"{{ $name }}"',
    description: "Loki's single binary",
    // templates/monolithic/service.yaml:3 calls loki.service with "name" (include "loki.fullname" .).
    variables: (ctx) => ({ $name: helpersByChartVersion["loki@18.11.0"]["loki.fullname"](ctx, {}) }),
    // templates/monolithic/service.yaml:1-2 and templates/_helpers.tpl:99 (loki.deployment.isMonolithic).
    rendered: (values) =>
      ["SingleBinary", "Monolithic", "SingleBinary<->SimpleScalable", "Monolithic<->SimpleScalable"].includes(
        String(valueAt(values, "deploymentMode")),
      ),
    // templates/_service.tpl:42-58: http-metrics, grpc, and grpclb on 9096.
    ports: (values) => [
      numberAt(values, "loki.server.http_listen_port"),
      numberAt(values, "loki.server.grpc_listen_port"),
      9096,
    ],
  },
  {
    chart: "tempo",
    version: "2.2.4",
    template: "templates/service.yaml",
    raw: '{{ template "tempo.fullname" . }}',
    description: "Tempo",
    rendered: () => true,
    // templates/_ports.tpl:25 (tempo.tcp, ClusterIP): 3200 fixed, then the OTLP receivers' ports.
    ports: (values) => [
      3200,
      ...endpointPort(values, "tempo.receivers.otlp.protocols.grpc.endpoint"),
      ...endpointPort(values, "tempo.receivers.otlp.protocols.http.endpoint"),
    ],
  },
  {
    chart: "mimir-distributed",
    version: "6.1.0",
    template: "templates/gateway/gateway-svc.yaml",
    raw: '{{ include "mimir.gateway.service.name" $ }}',
    description: "Mimir's gateway",
    // templates/gateway/gateway-svc.yaml:1 and templates/gateway/_helpers.tpl (mimir.gateway.isEnabled).
    rendered: (values) => String(valueAt(values, "gateway.enabled")) === "true",
    // templates/gateway/gateway-svc.yaml ports: gateway.service.port, legacyPort when set.
    ports: (values) => [
      numberAt(values, "gateway.service.port"),
      ...(valueAt(values, "gateway.service.legacyPort")
        ? [numberAt(values, "gateway.service.legacyPort")]
        : []),
    ],
  },
  {
    chart: "alloy",
    version: "1.8.1",
    template: "templates/service.yaml",
    raw: '{{ include "alloy.fullname" . }}',
    description: "Alloy, the collector",
    // templates/service.yaml:2 `if .Values.service.enabled`.
    rendered: (values) => valueAt(values, "service.enabled") === true,
    // templates/service.yaml:1 ($values = .Values.alloy), :25-40: listenPort, then every extraPorts entry.
    ports: (values) => [
      numberAt(values, "alloy.listenPort"),
      ...((valueAt(values, "alloy.extraPorts") as { port: number }[] | undefined) ?? []).map(
        (port) => port.port,
      ),
    ],
  },
];

/** A Service a chart creates for a release and values. */
export interface EvaluatedService {
  readonly known: KnownService;
  readonly name: string;
  readonly rendered: boolean;
  readonly ports: number[];
}

/**
 * The known Services of one chart for a release and the project's values. Throws when the vendored raw
 * name template of a known Service is not the one the evaluator was written for.
 */
export function servicesOf(
  chart: string,
  version: string,
  release: string,
  overrides: Json,
  facts: ChartFacts = chartFacts(chart, version),
): EvaluatedService[] {
  const values = helmMerge(facts.values, overrides);
  const ctx: HelmContext = { releaseName: release, chartName: facts.chart.name, values };
  return knownServices
    .filter((known) => known.chart === chart)
    .map((known) => {
      if (known.version !== version) {
        throw new Error(
          `${known.description}: the evaluator was written for ${chart} ${known.version}, the project pins ${version} — re-read the chart and update test/support/helm-names.ts`,
        );
      }
      const vendored = facts.services.filter((service) => service.template === known.template);
      if (!vendored.some((service) => service.name === known.raw)) {
        throw new Error(
          `${chart} ${version} ${known.template}: the vendored Service name template is now ${JSON.stringify(vendored.map((service) => service.name))}, the evaluator was written for ${JSON.stringify(known.raw)} — re-check the helpers`,
        );
      }
      const name = evaluateNameTemplate(known.raw, facts.chart, ctx, known.variables?.(ctx));
      return { known, name, rendered: known.rendered(values), ports: known.ports(values) };
    });
}
