import { grafanaDashboards, type GrafanaDashboard } from "../../constructs/grafana-dashboards";
import type { GrafanaGridPos } from "../../constructs/grafana-dashboard-model";
import { allKnownMetrics } from "../support/known-metrics";
import { logqlErrors } from "../support/logql";
import { promqlErrors, promqlMetricNames, withSampleVariables } from "../support/promql";

const dashboards = grafanaDashboards();
const entries = Object.entries(dashboards);

/** Every query of a dashboard with its language: panel targets, and the series selectors of variables. */
function queriesOf(model: GrafanaDashboard): { language: "promql" | "logql"; expr: string; where: string }[] {
  const variableQueries = model.templating.list.map((variable) => {
    const selector = /^label_values\((.+), (\w+)\)$/.exec(variable.query);
    if (selector === null) {
      throw new Error(
        `${model.uid}: variable ${variable.name}: ${variable.query} is not label_values(<selector>, <label>)`,
      );
    }
    return { language: "promql" as const, expr: selector[1], where: `variable ${variable.name}` };
  });
  const targetQueries = model.panels.flatMap((panel) =>
    panel.targets.map((target) => ({
      language: target.datasource.uid === "loki" ? ("logql" as const) : ("promql" as const),
      expr: target.expr,
      where: `panel "${panel.title}" target ${target.refId}`,
    })),
  );
  return [...variableQueries, ...targetQueries];
}

const allQueries = entries.flatMap(([stem, model]) =>
  queriesOf(model).map((query) => ({ ...query, where: `${stem}: ${query.where}` })),
);
const promql = allQueries.filter((query) => query.language === "promql");
const logql = allQueries.filter((query) => query.language === "logql");

const overlaps = (a: GrafanaGridPos, b: GrafanaGridPos) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("grafanaDashboards", () => {
  it("holds the curated set, by file name stem", () => {
    expect(Object.keys(dashboards).sort()).toEqual(
      ["argocd", "cluster", "fleet-overview", "gateway-tunnel", "namespace", "node"].sort(),
    );
  });

  it("gives each dashboard its own uid, at most Grafana's 40 characters", () => {
    const uids = entries.map(([, model]) => model.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) {
      expect(uid).toMatch(/^[a-z0-9-]{1,40}$/);
    }
  });

  describe.each(entries)("%s", (stem, model) => {
    it("survives JSON unchanged", () => {
      expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    });

    it("has a title, the platform tag and a schema version", () => {
      expect(model.title).not.toBe("");
      expect(model.tags).toEqual(["homelab-platform"]);
      expect(Number.isInteger(model.schemaVersion)).toBe(true);
    });

    it("has panels with unique ids, each with a target on Mimir or Loki", () => {
      expect(model.panels.length).toBeGreaterThan(0);
      const ids = model.panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of model.panels) {
        expect(["mimir", "loki"]).toContain(panel.datasource.uid);
        expect(panel.datasource.type).toBe(panel.datasource.uid === "mimir" ? "prometheus" : "loki");
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) {
          expect(target.datasource).toEqual(panel.datasource);
          expect(target.expr).not.toBe("");
        }
        expect(new Set(panel.targets.map((target) => target.refId)).size).toBe(panel.targets.length);
      }
    });

    it("keeps every panel inside the 24 columns, none overlapping another", () => {
      model.panels.forEach((panel, index) => {
        const { x, y, w, h } = panel.gridPos;
        expect([x, y, w, h].every(Number.isInteger)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(w).toBeGreaterThan(0);
        expect(h).toBeGreaterThan(0);
        expect(x + w).toBeLessThanOrEqual(24);
        for (const other of model.panels.slice(index + 1)) {
          expect({ [panel.title]: overlaps(panel.gridPos, other.gridPos) }).toEqual({ [panel.title]: false });
        }
      });
    });

    it("defines every template variable its queries use", () => {
      const defined = new Set(model.templating.list.map((variable) => variable.name));
      const used = queriesOf(model).flatMap((query) =>
        [...query.expr.matchAll(/\$(\w+)/g)].map((match) => match[1]),
      );
      for (const name of used.filter((name) => !name.startsWith("__"))) {
        expect({ [stem]: defined.has(name) }).toEqual({ [stem]: true });
      }
      for (const variable of model.templating.list) {
        expect(variable.datasource).toEqual({ type: "prometheus", uid: "mimir" });
      }
    });
  });

  it("starts every per-cluster dashboard with the cluster variable", () => {
    for (const [stem, model] of entries.filter(([stem]) => stem !== "fleet-overview")) {
      expect({ [stem]: model.templating.list[0]?.query }).toEqual({
        [stem]: "label_values(kube_node_info, cluster)",
      });
    }
  });

  it.each(promql.map((query) => [query.where, query.expr]))("%s parses as PromQL", (_, expr) => {
    expect(promqlErrors(expr)).toEqual([]);
  });

  it.each(logql.map((query) => [query.where, query.expr]))("%s parses as LogQL", (_, expr) => {
    expect(logqlErrors(expr)).toEqual([]);
  });

  it("queries Loki somewhere, so the LogQL check is not vacuous", () => {
    expect(logql.length).toBeGreaterThan(0);
  });

  it("selects only metrics the exporters really expose", () => {
    const used = new Set(promql.flatMap((query) => promqlMetricNames(query.expr)));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((name) => !allKnownMetrics.has(name))).toEqual([]);
  });
});

describe("the query checks", () => {
  it("report a broken PromQL expression", () => {
    expect(
      promqlErrors('sum by (cluster) (rate(node_cpu_seconds_total{cluster="$cluster"}[5m])'),
    ).not.toEqual([]);
    expect(promqlErrors("sum(rat(node_load1[5m]))")).not.toEqual([]);
  });

  it("report a broken LogQL query", () => {
    expect(logqlErrors('{cluster="$cluster"')).not.toEqual([]);
    expect(logqlErrors('sum by (pod) (count_over_time({namespace="x"}))')).not.toEqual([]);
  });

  it("substitute Grafana's variables, and refuse one without a sample value", () => {
    expect(withSampleVariables('rate(x{cluster="$cluster"}[$__rate_interval])')).toBe(
      'rate(x{cluster="core"}[5m])',
    );
    expect(() => withSampleVariables('x{pod="$pod"}')).toThrow("$pod");
  });

  it("find the metric names an expression selects, not its functions or labels", () => {
    expect(promqlMetricNames('sum by (node) (rate(a_total{mode="idle"}[5m])) / on (node) b')).toEqual([
      "a_total",
      "b",
    ]);
  });
});
