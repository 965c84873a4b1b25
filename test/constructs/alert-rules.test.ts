import { parser } from "@prometheus-io/lezer-promql";
import { parse, stringify } from "yaml";
import { alertRuleGroups, contactPoints, notificationPolicies } from "../../constructs/alert-rules";
import { allKnownMetrics } from "../support/known-metrics";
import { promqlErrors, promqlMetricNames } from "../support/promql";

const file = alertRuleGroups({
  clusters: ["core", "dev", "a-cluster-whose-name-is-long-enough-to-need-a-digest"],
});
const [group] = file.groups;
const rules = group.rules;
const promqlOf = (rule: (typeof rules)[number]) => String(rule.data[0].model.expr);

/** The labels an expression's aggregations keep (`by (...)`): what an alert's annotations may name. */
function groupingLabels(expr: string): Set<string> {
  const labels = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === "LabelName" && node.node.parent?.parent?.name === "AggregateModifier") {
        labels.add(expr.slice(node.from, node.to));
      }
    },
  });
  // absent() and absent_over_time() answer with the labels of their selector's equality matchers.
  const absent = /^absent(?:_over_time)?\(\w+\{([^}]*)\}/.exec(expr.trim());
  for (const [, name] of absent?.[1].matchAll(/(\w+)\s*=\s*"/g) ?? []) labels.add(name);
  return labels;
}

/** Prometheus' duration syntax as Grafana parses `for` and `interval`. */
const duration = /^(\d+(ms|s|m|h|d|w|y))+$/;

describe("alertRuleGroups", () => {
  it("is one group of rules, in the homelab-platform folder, evaluated every minute", () => {
    expect(file.apiVersion).toBe(1);
    expect(file.groups).toHaveLength(1);
    expect(group).toMatchObject({
      orgId: 1,
      name: "homelab-platform",
      folder: "homelab-platform",
      interval: "1m",
    });
  });

  it("survives YAML and JSON unchanged, as the provisioning file", () => {
    expect(parse(stringify(file))).toEqual(file);
    expect(JSON.parse(JSON.stringify(file))).toEqual(file);
  });

  it("holds the required alerts", () => {
    expect(rules.map((rule) => rule.title)).toEqual(
      expect.arrayContaining([
        "NodeDown",
        "NodeDiskFilling",
        "CertificateExpiring",
        "TunnelDown",
        "AppDegraded",
        "UpgradeStuck",
      ]),
    );
  });

  it("gives every rule its own uid and title, a uid of at most 40 characters", () => {
    const uids = rules.map((rule) => rule.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(rules.map((rule) => rule.title)).size).toBe(rules.length);
    for (const uid of uids) {
      expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    }
  });

  describe.each(rules.map((rule) => [rule.title, rule] as const))("%s", (_, rule) => {
    it("has a condition among its queries, and expressions that refer to earlier ones", () => {
      const refIds = rule.data.map((query) => query.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      expect(refIds).toContain(rule.condition);
      rule.data.forEach((query, index) => {
        expect(query.model.refId).toBe(query.refId);
        if (query.datasourceUid === "__expr__") {
          expect(refIds.slice(0, index)).toContain(query.model.expression);
          expect(query.model.datasource).toEqual({ type: "__expr__", uid: "__expr__" });
        }
      });
    });

    it("queries Mimir first, in PromQL over a relative time range", () => {
      const [query] = rule.data;
      expect(query.refId).toBe("A");
      expect(query.datasourceUid).toBe("mimir");
      expect(query.model.datasource).toEqual({ type: "prometheus", uid: "mimir" });
      expect(query.relativeTimeRange.from).toBeGreaterThan(query.relativeTimeRange.to);
    });

    it("reduces, then compares against a threshold", () => {
      expect(rule.data.map((query) => query.model.type)).toEqual([undefined, "reduce", "threshold"]);
      const threshold = rule.data.find((query) => query.refId === rule.condition);
      expect(threshold?.model.type).toBe("threshold");
    });

    it("parses as PromQL and selects only metrics the exporters really expose", () => {
      const expr = promqlOf(rule);
      expect(promqlErrors(expr)).toEqual([]);
      const metrics = promqlMetricNames(expr);
      expect(metrics.length).toBeGreaterThan(0);
      expect(metrics.filter((name) => !allKnownMetrics.has(name))).toEqual([]);
    });

    it("is labelled by severity and names the cluster in its description", () => {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary).not.toBe("");
      expect(rule.annotations.description).toContain("{{ $labels.cluster }}");
    });

    it("names in its annotations only labels its query keeps", () => {
      const kept = groupingLabels(promqlOf(rule));
      const named = [
        ...`${rule.annotations.summary} ${rule.annotations.description}`.matchAll(/\$labels\.(\w+)/g),
      ];
      for (const [, label] of named) {
        expect({ [label]: kept.has(label) }).toEqual({ [label]: true });
      }
    });

    it("has valid states and durations", () => {
      expect(["OK", "NoData", "Alerting", "KeepLast"]).toContain(rule.noDataState);
      expect(["OK", "Error", "Alerting", "KeepLast"]).toContain(rule.execErrState);
      expect(rule.for).toMatch(duration);
    });
  });

  it("fires NodeDown after 5 minutes and AppDegraded after 15", () => {
    const forOf = (title: string) => rules.find((rule) => rule.title === title)?.for;
    expect(forOf("NodeDown")).toBe("5m");
    expect(forOf("AppDegraded")).toBe("15m");
  });
});

describe("contactPoints", () => {
  const addresses = ["ops@example.com", "oncall@example.com"];

  it("is one e-mail contact point named homelab-platform, to every address", () => {
    const file = contactPoints({ email: addresses });
    expect(file.apiVersion).toBe(1);
    expect(file.contactPoints).toHaveLength(1);
    const [point] = file.contactPoints;
    expect(point.name).toBe("homelab-platform");
    expect(point.receivers).toHaveLength(1);
    expect(point.receivers[0].type).toBe("email");
    expect(point.receivers[0].uid.length).toBeLessThanOrEqual(40);
    expect(point.receivers[0].settings.addresses.split(";")).toEqual(addresses);
  });

  it("refuses an empty address list", () => {
    expect(() => contactPoints({ email: [] })).toThrow("contact.email is empty");
  });
});

describe("notificationPolicies", () => {
  it("routes everything to the contact point, grouped by alert name and cluster", () => {
    const file = notificationPolicies();
    expect(file.apiVersion).toBe(1);
    expect(file.policies).toHaveLength(1);
    const [policy] = file.policies;
    expect(policy.receiver).toBe(contactPoints({ email: ["ops@example.com"] }).contactPoints[0].name);
    expect(policy.group_by).toEqual(["alertname", "cluster"]);
    for (const interval of [policy.group_wait, policy.group_interval, policy.repeat_interval]) {
      expect(interval).toMatch(duration);
    }
  });
});
