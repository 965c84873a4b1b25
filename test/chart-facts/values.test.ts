import type { HelmChart } from "../../constructs/platform-component";
import { chartFacts, type ChartFacts } from "../support/helm-names";
import { chartInstallClusters } from "../support/chart-installs";

/**
 * Every values key the project sets does something: the pinned chart has it in its default values or a
 * template reads it. The rules, decided from the vendored facts (`vendor/charts/<chart>-<version>.json`):
 *
 * A key path P (the path to every leaf the project sets; arrays, scalars, null and `{}` are leaves; the
 * items of an array are not checked) is accepted when
 *   1. P is in the chart's default values (subcharts' defaults sit under their key there), or
 *   2. P is read by a template: it is in `valuesReferences`, or a `.Values.<P>` reference inside a string
 *      of the default values — the config templates charts pass through `tpl` (loki.config, mimir.config,
 *      tempo.config, grafana's datasources …), or
 *   3. P lies in a free-form map: some strict, non-empty prefix A of P
 *      a. has the default `{}` — an empty map the chart leaves to the user (resources, annotations,
 *         extraArgs, mimir.structuredConfig, loki.compactor …), or
 *      b. is referenced while nothing below A is — the template hands the whole map on (toYaml, range,
 *         tpl): grafana.ini, loki.limits_config, datasources …
 *   4. P is one of `readThroughScope` below: read by a template through `with`/a local variable, which a
 *      `.Values.x.y` scan cannot see; each entry names the template line, and must still be needed.
 *
 * So `gateway.enabledNonEnterprise` of mimir-distributed 6.1.0 fails: `gateway` has defaults and its
 * children are referenced one by one (`gateway.enabled`, `gateway.service.port`, …), none of them it.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Keys templates read through a `with` scope or variable; each cites the template line in the pinned chart. */
const readThroughScope: Readonly<Record<string, readonly { path: string; evidence: string }[]>> = {
  "mimir-distributed@6.1.0": [
    {
      path: "ingester.persistentVolume.storageClass",
      evidence:
        "templates/ingester/ingester-statefulset.yaml:50 `with .Values.ingester.persistentVolume`, :65 `.storageClass`",
    },
    {
      path: "store_gateway.persistentVolume.storageClass",
      evidence:
        "templates/store-gateway/store-gateway-statefulset.yaml:50 `with .Values.store_gateway.persistentVolume`, :65 `.storageClass`",
    },
    {
      path: "compactor.persistentVolume.storageClass",
      evidence:
        "templates/compactor/compactor-statefulset.yaml:26 `with .Values.compactor.persistentVolume`, :41 `.storageClass`",
    },
    {
      path: "alertmanager.persistentVolume.storageClass",
      evidence:
        "templates/alertmanager/alertmanager-statefulset.yaml:45 `with .Values.alertmanager.persistentVolume`, :60 `.storageClass`",
    },
  ],
};

function isMap(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The key path of every leaf of `values`. */
function leafPaths(values: Json, prefix: string[] = []): string[][] {
  if (!isMap(values) || (Object.keys(values).length === 0 && prefix.length > 0)) return [prefix];
  return Object.entries(values).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}

/** The default at `segments`, or `missing`. */
const missing = Symbol("missing");
function defaultAt(values: Json, segments: readonly string[]): Json {
  let current: Json = values;
  for (const segment of segments) {
    if (!isMap(current) || !Object.prototype.hasOwnProperty.call(current, segment)) return missing;
    current = current[segment];
  }
  return current;
}

/** Every `.Values.a.b` a string of the default values reads (the charts' tpl'd config templates). */
function referencesInValueStrings(values: Json): string[] {
  if (typeof values === "string") {
    return [...values.matchAll(/\$?\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g)].map((match) => match[1]);
  }
  if (Array.isArray(values)) return values.flatMap(referencesInValueStrings);
  if (isMap(values)) return Object.values(values).flatMap(referencesInValueStrings);
  return [];
}

interface ChartRules {
  readonly facts: ChartFacts;
  readonly references: ReadonlySet<string>;
  readonly exceptions: ReadonlyMap<string, string>;
}

function rulesFor(facts: ChartFacts): ChartRules {
  const references = new Set([...facts.valuesReferences, ...referencesInValueStrings(facts.values)]);
  const exceptions = new Map(
    (readThroughScope[`${facts.chart.name}@${facts.chart.version}`] ?? []).map((entry) => [
      entry.path,
      entry.evidence,
    ]),
  );
  return { facts, references, exceptions };
}

type Verdict = "default" | "referenced" | "free-form" | "read through scope" | undefined;

/** Why the chart accepts the key path, or undefined when nothing in it reads the key. */
function verdict(rules: ChartRules, segments: readonly string[], useExceptions = true): Verdict {
  const dotted = segments.join(".");
  if (defaultAt(rules.facts.values, segments) !== missing) return "default";
  if (rules.references.has(dotted)) return "referenced";
  for (let length = segments.length - 1; length > 0; length--) {
    const prefix = segments.slice(0, length);
    const prefixDefault = defaultAt(rules.facts.values, prefix);
    if (isMap(prefixDefault) && Object.keys(prefixDefault).length === 0) return "free-form";
    const prefixDotted = prefix.join(".");
    const below = `${prefixDotted}.`;
    if (
      rules.references.has(prefixDotted) &&
      ![...rules.references].some((reference) => reference.startsWith(below))
    ) {
      return "free-form";
    }
  }
  if (useExceptions && rules.exceptions.has(dotted)) return "read through scope";
  return undefined;
}

/** The problems of one chart's values: one line per key path nothing in the chart reads. */
function problemsOf(chart: string, version: string, values: Json): string[] {
  const rules = rulesFor(chartFacts(chart, version));
  return leafPaths(values)
    .filter((segments) => verdict(rules, segments) === undefined)
    .map(
      (segments) => `${chart} ${version}: ${segments.join(".")} is neither a default nor read by a template`,
    );
}

const helmCharts: { source: string; chart: HelmChart }[] = chartInstallClusters().flatMap(
  ({ source, charts }) =>
    charts.components.flatMap((component) => component.helmCharts.map((chart) => ({ source, chart }))),
);

describe("values the platform sets", () => {
  it("cover every chart the platform installs", () => {
    expect(new Set(helmCharts.map(({ chart }) => chart.name))).toEqual(
      new Set([
        "local-path-provisioner",
        "metallb",
        "cert-manager",
        "gateway-helm",
        "argo-cd",
        "loki",
        "tempo",
        "mimir-distributed",
        "grafana",
        "alloy",
        "tuppr",
      ]),
    );
  });

  it.each(
    helmCharts.map(({ source, chart }) => [`${source}: ${chart.name} ${chart.version}`, chart] as const),
  )("%s: every key is a default of the chart or read by its templates", (_label, chart) => {
    expect(problemsOf(chart.name, chart.version, chart.values)).toEqual([]);
  });

  it("need every read-through-scope exception, and each is set by the platform", () => {
    const setPaths = new Set(
      helmCharts.flatMap(({ chart }) =>
        leafPaths(chart.values).map((segments) => `${chart.name}@${chart.version} ${segments.join(".")}`),
      ),
    );
    for (const [chartVersion, entries] of Object.entries(readThroughScope)) {
      const [name, version] = chartVersion.split("@");
      const rules = rulesFor(chartFacts(name, version));
      for (const entry of entries) {
        expect({ entry: entry.path, set: setPaths.has(`${chartVersion} ${entry.path}`) }).toEqual({
          entry: entry.path,
          set: true,
        });
        expect({ entry: entry.path, without: verdict(rules, entry.path.split("."), false) }).toEqual({
          entry: entry.path,
          without: undefined,
        });
      }
    }
  });
});

describe("the values rules", () => {
  it("refuse a key the chart does not have: mimir-distributed 6.1.0 gateway.enabledNonEnterprise", () => {
    expect(problemsOf("mimir-distributed", "6.1.0", { gateway: { enabledNonEnterprise: true } })).toEqual([
      "mimir-distributed 6.1.0: gateway.enabledNonEnterprise is neither a default nor read by a template",
    ]);
    expect(problemsOf("mimir-distributed", "6.1.0", { gateway: { enabled: true } })).toEqual([]);
  });

  it("refuse unknown keys under maps whose children the templates read one by one", () => {
    expect(problemsOf("tempo", "2.2.4", { tempo: { metricsGenerator: { enable: true } } })).toHaveLength(1);
    expect(problemsOf("alloy", "1.8.1", { alloy: { extraPort: [] } })).toHaveLength(1);
    expect(problemsOf("grafana", "12.11.1", { persistence: { storageClass: "x" } })).toHaveLength(1);
  });

  it("accept keys under empty default maps and under maps a template hands on whole", () => {
    const rules = rulesFor(chartFacts("grafana", "12.11.1"));
    expect(verdict(rules, ["grafana.ini", "server", "root_url"])).toBe("free-form");
    expect(verdict(rules, ["resources", "limits", "cpu"])).toBe("free-form");
    expect(
      verdict(rulesFor(chartFacts("loki", "18.11.0")), ["loki", "limits_config", "retention_period"]),
    ).toBe("free-form");
    expect(
      verdict(rulesFor(chartFacts("mimir-distributed", "6.1.0")), [
        "mimir",
        "structuredConfig",
        "limits",
        "x",
      ]),
    ).toBe("free-form");
  });

  it("accept keys only the chart's tpl'd config strings read", () => {
    const rules = rulesFor(chartFacts("loki", "18.11.0"));
    expect(rules.facts.valuesReferences).not.toContain("loki.limits_config");
    expect(rules.references.has("loki.limits_config")).toBe(true);
  });
});
