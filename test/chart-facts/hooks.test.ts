import * as fs from "node:fs";
import * as path from "node:path";
import { bootstrapSecrets, chartHooks, chartWebhooks, mimirMinioBuckets, type HookRule } from "../../charts";
import { pins } from "../../pins";
import { coalesce, type ChartFacts, type Hook } from "../../scripts/vendor";
import { renderedClusters } from "../render/rendered-clusters";

/**
 * Pulumi's `kubernetes.helm.v4.Chart` runs no Helm hooks. Every hook of every pinned chart must be run
 * by the program as a plain object in a phase around its chart, provided by the program with the chart's
 * own hook turned off, turned off by values the program sets (proved from the `.Values` conditions the
 * facts record around the hook), or be a `helm test` hook. A chart bump that adds a hook fails here until
 * `chartHooks` in charts/install-hooks.ts says how it is handled. The same for admission webhooks and
 * `chartWebhooks`: a readiness gate the component's objects wait for, or off.
 */

type Json = Record<string, unknown>;

const vendorCharts = path.resolve(__dirname, "../../vendor/charts");
const facts: ChartFacts[] = fs
  .readdirSync(vendorCharts)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => JSON.parse(fs.readFileSync(path.join(vendorCharts, file), "utf8")) as ChartFacts);
/** An object's name; an install Job's without the revision its name ends in (`installJobName`). */
const baseName = (object: Json) =>
  ((object.metadata as Json).labels as Record<string, string> | undefined)?.["app.kubernetes.io/name"] ??
  (object.metadata as Json).name;
const factsOf = (name: string) => facts.find((each) => each.chart.name === name)!;
const clusters = renderedClusters();

/** Each cluster that installs the chart, with the chart's values as Helm sees them and the component. */
function installs(chartName: string) {
  return clusters.flatMap((cluster) =>
    cluster.charts.components.flatMap((component) =>
      component.helmCharts
        .filter((chart) => chart.name === chartName)
        .map((chart) => ({
          source: cluster.source,
          cluster,
          component,
          values: coalesce(factsOf(chartName).values, chart.values) as Json,
        })),
    ),
  );
}

function lookup(values: unknown, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (at, key) =>
        typeof at === "object" && at !== null && !Array.isArray(at) ? (at as Json)[key] : undefined,
      values,
    );
}

/** The paths a pattern names in `values`: `*` stands for every key at its level. */
function expand(values: unknown, pattern: string): string[] {
  const [head, ...rest] = pattern.split(".");
  if (head === undefined) return [];
  const keys =
    head === "*" ? (typeof values === "object" && values !== null ? Object.keys(values) : []) : [head];
  return keys.flatMap((key) => {
    if (rest.length === 0) return [key];
    return expand(lookup(values, key), rest.join(".")).map((tail) => `${key}.${tail}`);
  });
}

/** The top-level arguments of a template expression: `and .Values.a (not .Values.b)` → and, .Values.a, (not …). */
function topLevelArguments(expression: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let current = "";
  for (const character of expression.trim()) {
    if (character === "(") depth += 1;
    if (character === ")") depth -= 1;
    if (character === " " && depth === 0) {
      if (current !== "") found.push(current);
      current = "";
    } else current += character;
  }
  if (current !== "") found.push(current);
  return found;
}

/**
 * Whether one of the guards requires `pattern` to be truthy: `if <it>` or `if and … <it> …` (brackets
 * around the `and` allowed). A `*` in the pattern matches any scope (`$component.` in Loki's templates).
 */
function guardRequires(guards: readonly string[], pattern: string): boolean {
  const matches = (argument: string) =>
    pattern.startsWith("*.")
      ? argument.endsWith(`.${pattern.slice(2)}`)
      : argument.replace(/^\$/, "") === `.Values.${pattern}`;
  return guards.some((guard) => {
    if (!guard.startsWith("if ")) return false;
    let expression = guard.slice(3).trim();
    if (expression.startsWith("(") && expression.endsWith(")")) expression = expression.slice(1, -1);
    const [first, ...rest] = topLevelArguments(expression);
    if (first === undefined) return false;
    return first === "and" ? rest.some(matches) : rest.length === 0 && matches(first);
  });
}

/** Problems with turning a hook (or webhook) off by `paths` in one install; [] when proved. */
function offProblems(guards: readonly string[], paths: readonly string[], values: Json): string[] {
  return paths.flatMap((pattern) => {
    if (!guardRequires(guards, pattern)) return [`no guard requires ${pattern}`];
    const expanded = expand(values, pattern);
    if (expanded.length === 0) return [`${pattern} names no value`];
    return expanded.filter((each) => Boolean(lookup(values, each))).map((each) => `${each} is on`);
  });
}

const rulesOf = (chart: string): readonly HookRule[] => chartHooks[chart] ?? [];
const covers = (rule: HookRule, hook: Hook) =>
  rule.template === hook.template && rule.kinds.includes(hook.kind);
const describeHook = (chart: string, hook: Hook) => `${chart} ${hook.template} ${hook.kind}`;

describe.each(facts.map((each) => [`${each.chart.name} ${each.chart.version}`, each] as const))(
  "the hooks of %s",
  (_, chart) => {
    const name = chart.chart.name;

    it("are each covered by exactly one rule of chartHooks", () => {
      expect(
        chart.hooks
          .map((hook) => ({
            hook: describeHook(name, hook),
            rules: rulesOf(name).filter((r) => covers(r, hook)),
          }))
          .filter(({ rules }) => rules.length !== 1)
          .map(({ hook, rules }) => `${hook}: ${rules.length} rules`),
      ).toEqual([]);
    });

    it("leave no rule, nor kind of a rule, that covers nothing", () => {
      expect(
        rulesOf(name).flatMap((rule) =>
          rule.kinds
            .filter(
              (kind) => !chart.hooks.some((hook) => hook.template === rule.template && hook.kind === kind),
            )
            .map((kind) => `${rule.template} ${kind}`),
        ),
      ).toEqual([]);
    });

    it("are run, provided, off or tests in every cluster that installs the chart", () => {
      const problems: string[] = [];
      for (const install of installs(name)) {
        for (const hook of chart.hooks) {
          const rule = rulesOf(name).find((each) => covers(each, hook));
          if (!rule) continue;
          const at = `${install.source}: ${describeHook(name, hook)}`;
          const { handled } = rule;
          switch (handled.handling) {
            case "test":
              if (!hook.events.every((event) => event === "test"))
                problems.push(`${at}: not only a test hook`);
              break;
            case "off":
              problems.push(
                ...offProblems(hook.guards, handled.off, install.values).map((p) => `${at}: ${p}`),
              );
              break;
            case "provided": {
              problems.push(
                ...offProblems(hook.guards, handled.off, install.values).map((p) => `${at}: ${p}`),
              );
              const secret = bootstrapSecrets[handled.secret];
              if (!install.cluster.charts.bootstrapSecrets.some((each) => each.name === secret.name)) {
                problems.push(`${at}: the bootstrap Secret ${secret.name} is not made`);
              }
              break;
            }
            case "run": {
              if (handled.off) {
                problems.push(
                  ...offProblems(hook.guards, handled.off, install.values).map((p) => `${at}: ${p}`),
                );
              }
              const objects = install.component[handled.phase].toJson() as Json[];
              const wanted = handled.objects[hook.kind];
              const found = objects.some(
                (object) => object.kind === hook.kind && baseName(object) === wanted,
              );
              if (!found) problems.push(`${at}: no ${hook.kind}/${wanted} in ${handled.phase}`);
              break;
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it("has its admission webhooks gated or off in every cluster that installs the chart", () => {
      const table = chartWebhooks[name] ?? {};
      const problems: string[] = [];
      for (const template of Object.keys(table)) {
        if (!chart.webhooks.some((webhook) => webhook.template === template)) {
          problems.push(`chartWebhooks names ${template}, which the chart no longer has`);
        }
      }
      for (const install of installs(name)) {
        for (const webhook of chart.webhooks) {
          const at = `${install.source}: ${name} ${webhook.template}`;
          const handled = table[webhook.template];
          if (!handled) {
            problems.push(`${at}: not in chartWebhooks`);
            continue;
          }
          if (handled.handling === "off") {
            problems.push(
              ...offProblems(webhook.guards, handled.off, install.values).map((p) => `${at}: ${p}`),
            );
          } else {
            const jobs = (install.component.afterCharts.toJson() as Json[]).filter(
              (object) => object.kind === "Job" && baseName(object) === handled.job,
            );
            if (jobs.length !== 1)
              problems.push(`${at}: no readiness gate Job ${handled.job} after the charts`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  },
);

describe("the hook table", () => {
  it("names only charts the project pins", () => {
    const names = facts.map((each) => each.chart.name);
    expect(Object.keys(chartHooks).filter((name) => !names.includes(name))).toEqual([]);
    expect(Object.keys(chartWebhooks).filter((name) => !names.includes(name))).toEqual([]);
  });

  it("checks real installs: every chart with a hook is installed by some cluster", () => {
    for (const chart of ["argo-cd", "cert-manager", "gateway-helm", "grafana", "loki", "mimir-distributed"]) {
      expect([chart, installs(chart).length > 0]).toEqual([chart, true]);
    }
  });

  it("catches a hook no rule covers, and a rule guarded by nothing", () => {
    const hook: Hook = {
      template: "templates/new-hook.yaml",
      kind: "Job",
      name: "x",
      events: ["pre-install"],
      weight: null,
      deletePolicy: [],
      annotationsFrom: null,
      guards: ["if and .Values.a.enabled (not .Values.b)"],
    };
    expect(rulesOf("gateway-helm").filter((rule) => covers(rule, hook))).toEqual([]);
    expect(offProblems(hook.guards, ["a.enabled"], { a: { enabled: false } })).toEqual([]);
    expect(offProblems(hook.guards, ["a.enabled"], { a: { enabled: true } })).toEqual(["a.enabled is on"]);
    expect(offProblems(hook.guards, ["b"], { b: false })).toEqual(["no guard requires b"]);
    expect(offProblems(["if or .Values.a .Values.c"], ["a"], {})).toEqual(["no guard requires a"]);
  });
});

describe("the images that stand in for hooks follow the charts", () => {
  it("certgen runs the Envoy Gateway image of the pinned gateway-helm", () => {
    expect(pins.images.envoyGateway).toBe(factsOf("gateway-helm").chart.appVersion);
  });

  it("the startup API check runs cert-manager's version", () => {
    expect(pins.images.certManagerStartupApiCheck).toBe(factsOf("cert-manager").chart.appVersion);
  });

  it("the MinIO client is the one mimir-distributed bundles", () => {
    expect(lookup(factsOf("mimir-distributed").values, "minio.mcImage")).toMatchObject({
      repository: "quay.io/minio/mc",
      tag: pins.images.minioClient,
    });
  });

  it("kubectl matches the cluster's Kubernetes", () => {
    expect(pins.images.kubectl).toBe(`v${pins.kubernetes}`);
  });

  it("the buckets are the ones the MinIO subchart's hook makes with Mimir's defaults", () => {
    const buckets = lookup(factsOf("mimir-distributed").values, "minio.buckets") as { name: string }[];
    expect(buckets.map((bucket) => bucket.name)).toEqual([...mimirMinioBuckets]);
    for (const install of installs("mimir-distributed")) {
      const job = (install.component.withCharts.toJson() as Json[]).find((object) => object.kind === "Job")!;
      const args = (((job.spec as Json).template as Json).spec as { containers: { args: string[] }[] })
        .containers[0].args;
      expect(args.filter((arg) => arg.startsWith("store/"))).toEqual(
        mimirMinioBuckets.map((bucket) => `store/${bucket}`),
      );
    }
  });
});
