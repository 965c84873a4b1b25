import { createHash } from "node:crypto";
/**
 * Grafana-managed alerting, as the provisioning files Grafana reads from `provisioning/alerting`
 * (apiVersion 1): the rule group, the e-mail contact point and the notification policy routing to it.
 * Every rule queries Mimir (datasource uid `mimir`) across all clusters at once, one alert per cluster
 * (and per node, certificate, application… where that is what fails).
 */

/** The folder, the rule group and the contact point all carry the project's name. */
export const alertingName = "homelab-platform";

/** How bad a firing alert is: `critical` wants attention now, `warning` within the day. */
export type AlertSeverity = "critical" | "warning";

/** One query or expression of a rule, as the provisioning file holds it. */
export interface AlertQuery {
  /** The query's letter, which later expressions and the rule's condition refer to. */
  readonly refId: string;
  /** `mimir` for the PromQL query, `__expr__` for Grafana's server-side expressions. */
  readonly datasourceUid: string;
  /** The window queried, in seconds before the evaluation (`from`) up to `to`. */
  readonly relativeTimeRange: { readonly from: number; readonly to: number };
  /** The query or expression itself, as the datasource (or expression engine) takes it. */
  readonly model: Readonly<Record<string, unknown>>;
}

/** One alert rule of the provisioning file. */
export interface AlertRule {
  /** Stable across provisioning runs: at most 40 characters. */
  readonly uid: string;
  /** The alert's name: `alertname` in notifications. */
  readonly title: string;
  /** The refId of the expression whose result fires the alert. */
  readonly condition: string;
  /** The PromQL query, then the expressions over it. */
  readonly data: readonly AlertQuery[];
  /** The state when the query returns nothing. */
  readonly noDataState: "OK" | "NoData" | "Alerting" | "KeepLast";
  /** The state when the query fails. */
  readonly execErrState: "OK" | "Error" | "Alerting" | "KeepLast";
  /** How long the condition must hold before the alert fires, as a Prometheus duration. */
  readonly for: string;
  /** Labels added to every alert of the rule. */
  readonly labels: { readonly severity: AlertSeverity };
  /** What notifications say, with `{{ $labels.<name> }}` placeholders. */
  readonly annotations: { readonly summary: string; readonly description: string };
  /** Provisioned rules evaluate. */
  readonly isPaused: false;
}

/** What a rule is made of before the Grafana plumbing: a PromQL query and when it is a problem. */
interface RuleSpec {
  readonly uid: string;
  readonly title: string;
  /** PromQL whose every series is one candidate alert, labelled at least by `cluster`. */
  readonly expr: string;
  /** The series fires when its value is above (`gt`) or below (`lt`) this threshold. */
  readonly threshold: readonly ["gt" | "lt", number];
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
  /**
   * What an empty result means. `OK` where the query only returns what is broken; `NoData` where it
   * returns every cluster's state, so an empty answer means the metrics themselves are gone.
   * @default "OK"
   */
  readonly noDataState?: AlertRule["noDataState"];
}

const datasource = {
  mimir: { type: "prometheus", uid: "mimir" },
  expression: { type: "__expr__", uid: "__expr__" },
};
/** Grafana's server-side expressions: reduce and threshold run on what query A returned. */
const expressionUid = "__expr__";
const evaluationWindowSeconds = 600;

/** Query A (PromQL, instant), B (the last value of each series) and C (the threshold): C is the condition. */
function alertRule(spec: RuleSpec): AlertRule {
  const [comparison, threshold] = spec.threshold;
  return {
    uid: spec.uid,
    title: spec.title,
    condition: "C",
    data: [
      {
        refId: "A",
        datasourceUid: datasource.mimir.uid,
        relativeTimeRange: { from: evaluationWindowSeconds, to: 0 },
        model: {
          refId: "A",
          datasource: datasource.mimir,
          expr: spec.expr,
          instant: true,
          range: false,
          intervalMs: 60000,
          maxDataPoints: 43200,
        },
      },
      {
        refId: "B",
        datasourceUid: expressionUid,
        relativeTimeRange: { from: 0, to: 0 },
        model: {
          refId: "B",
          datasource: datasource.expression,
          type: "reduce",
          expression: "A",
          reducer: "last",
          // A series without a value is not a verdict either way.
          settings: { mode: "dropNN" },
        },
      },
      {
        refId: "C",
        datasourceUid: expressionUid,
        relativeTimeRange: { from: 0, to: 0 },
        model: {
          refId: "C",
          datasource: datasource.expression,
          type: "threshold",
          expression: "B",
          conditions: [{ evaluator: { type: comparison, params: [threshold] } }],
        },
      },
    ],
    noDataState: spec.noDataState ?? "OK",
    execErrState: "Error",
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description },
    isPaused: false,
  };
}

/** Filesystems that hold data: node-exporter already leaves out pseudo filesystems, not memory-backed ones. */
const diskFilesystems = '{fstype!~"tmpfs|ramfs",mountpoint!=""}';
const freeRatio = `node_filesystem_avail_bytes${diskFilesystems} / node_filesystem_size_bytes${diskFilesystems}`;

const rules: readonly RuleSpec[] = [
  {
    uid: "hp-node-down",
    title: "NodeDown",
    expr: 'max by (cluster, node) (kube_node_status_condition{condition="Ready",status="true"})',
    threshold: ["lt", 1],
    for: "5m",
    severity: "critical",
    summary: "Node {{ $labels.node }} is not Ready",
    description:
      "Node {{ $labels.node }} of cluster {{ $labels.cluster }} has not been Ready for 5 minutes (kube-state-metrics).",
    noDataState: "NoData",
  },
  {
    uid: "hp-node-disk-filling",
    title: "NodeDiskFilling",
    // 1 for under 10% free; 1 for predicted full within a day at the last 6 hours' pace, once under 40% free.
    expr: `max by (cluster, node, mountpoint) ((${freeRatio} < bool 0.1) + (predict_linear(node_filesystem_avail_bytes${diskFilesystems}[6h], 24 * 3600) < bool 0) * (${freeRatio} < bool 0.4))`,
    threshold: ["gt", 0],
    for: "30m",
    severity: "warning",
    summary: "Filesystem {{ $labels.mountpoint }} on {{ $labels.node }} is filling up",
    description:
      "{{ $labels.mountpoint }} on node {{ $labels.node }} of cluster {{ $labels.cluster }} has under 10% space left, or will be full within 24 hours at its current rate.",
  },
  {
    uid: "hp-certificate-expiring",
    title: "CertificateExpiring",
    // Expiry is 0 for a certificate never issued, so that counts as expiring too.
    expr: 'max by (cluster, name) ((certmanager_certificate_expiration_timestamp_seconds - time() < bool 14 * 86400) + max without (condition) (certmanager_certificate_ready_status{condition!="True"}))',
    threshold: ["gt", 0],
    for: "30m",
    severity: "warning",
    summary: "Certificate {{ $labels.name }} expires within 14 days or is not Ready",
    description:
      "cert-manager Certificate {{ $labels.name }} in cluster {{ $labels.cluster }} expires in less than 14 days or is not Ready: renewal is failing.",
  },
  {
    uid: "hp-tunnel-down",
    title: "TunnelDown",
    // A cluster that runs cloudflared (its Deployment exists) and reports no connection, or no metrics at all.
    expr: 'sum by (cluster) (cloudflared_tunnel_ha_connections) or on (cluster) (max by (cluster) (kube_deployment_spec_replicas{namespace="cloudflared"}) * 0)',
    threshold: ["lt", 1],
    for: "5m",
    severity: "critical",
    summary: "The Cloudflare tunnel of {{ $labels.cluster }} is down",
    description:
      "cloudflared in cluster {{ $labels.cluster }} has had no connection to Cloudflare's edge for 5 minutes, or reports no metrics: public hostnames are unreachable.",
  },
  {
    uid: "hp-app-degraded",
    title: "AppDegraded",
    expr: 'max by (cluster, name, project) (argocd_app_info{health_status="Degraded"})',
    threshold: ["gt", 0],
    for: "15m",
    severity: "warning",
    summary: "Argo CD application {{ $labels.name }} is Degraded",
    description:
      "Argo CD application {{ $labels.name }} (project {{ $labels.project }}) in cluster {{ $labels.cluster }} has been Degraded for 15 minutes.",
  },
  {
    uid: "hp-deployment-unavailable",
    title: "DeploymentReplicasUnavailable",
    expr: "max by (cluster, namespace, deployment) (kube_deployment_status_replicas_unavailable)",
    threshold: ["gt", 0],
    for: "15m",
    severity: "warning",
    summary: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas",
    description:
      "Deployment {{ $labels.deployment }} in namespace {{ $labels.namespace }} of cluster {{ $labels.cluster }} has had unavailable replicas for 15 minutes.",
  },
  {
    uid: "hp-upgrade-stuck",
    title: "UpgradeStuck",
    // tuppr sets this to 1 while an upgrade is in flight (hooks, drain, upgrade, reboot), not while it
    // waits for its maintenance window; six hours is the platform's default upgrade timeout.
    expr: "max by (cluster, upgrade_type, name) (tuppr_upgrade_progressing)",
    threshold: ["gt", 0],
    for: "6h",
    severity: "warning",
    summary: "The {{ $labels.upgrade_type }} upgrade {{ $labels.name }} is taking too long",
    description:
      "tuppr's {{ $labels.upgrade_type }} upgrade {{ $labels.name }} in cluster {{ $labels.cluster }} has been in progress for over 6 hours.",
  },
  {
    uid: "hp-upgrade-failed",
    title: "UpgradeFailed",
    expr: 'max by (cluster, upgrade_type) (tuppr_upgrades{phase="Failed"})',
    threshold: ["gt", 0],
    for: "1m",
    severity: "critical",
    summary: "A {{ $labels.upgrade_type }} upgrade failed",
    description:
      "tuppr reports a failed {{ $labels.upgrade_type }} upgrade in cluster {{ $labels.cluster }}: see the upgrade's status and its Jobs.",
  },
];

/**
 * One rule per cluster the hub stores: its kubelets' scrapes have stopped arriving. Every other rule fires
 * on data, so a cluster that stops sending (a wrong password, a firewall, a certificate) would otherwise
 * go quiet rather than alert.
 */
function silentClusterRule(cluster: string): RuleSpec {
  const uid = `hp-silent-${cluster}`;
  return {
    uid:
      uid.length <= 40
        ? uid
        : `${uid.slice(0, 31)}-${createHash("sha256").update(cluster).digest("hex").slice(0, 8)}`,
    // Titles are unique within the folder: one rule per cluster, each named for it.
    title: `ClusterSilent-${cluster}`,
    expr: `absent_over_time(up{cluster="${cluster}",job="kubelet"}[10m])`,
    threshold: ["gt", 0],
    for: "5m",
    severity: "critical",
    summary: "Cluster {{ $labels.cluster }} sends no telemetry",
    description:
      "No kubelet scrape of cluster {{ $labels.cluster }} has reached the hub for 15 minutes: check its collector (Alloy in monitoring), its credentials and its way to the hub's gateway.",
  };
}

/**
 * The alert rules file: one group, evaluated every minute, in the folder `homelab-platform`; with
 * `clusters`, a ClusterSilent rule for each.
 */
export function alertRuleGroups(options: { readonly clusters?: readonly string[] } = {}): {
  readonly apiVersion: 1;
  readonly groups: readonly {
    readonly orgId: 1;
    readonly name: string;
    readonly folder: string;
    readonly interval: string;
    readonly rules: readonly AlertRule[];
  }[];
} {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: alertingName,
        folder: alertingName,
        interval: "1m",
        rules: [...rules, ...(options.clusters ?? []).map(silentClusterRule)].map(alertRule),
      },
    ],
  };
}

/** Who is told: the contact point file, one e-mail contact point sending to every address. */
export function contactPoints(contact: { readonly email: readonly string[] }): {
  readonly apiVersion: 1;
  readonly contactPoints: readonly {
    readonly orgId: 1;
    readonly name: string;
    readonly receivers: readonly {
      readonly uid: string;
      readonly type: "email";
      readonly settings: { readonly addresses: string; readonly singleEmail: boolean };
      readonly disableResolveMessage: false;
    }[];
  }[];
} {
  if (contact.email.length === 0) {
    throw new Error("contactPoints: contact.email is empty — alerts need at least one address to go to");
  }
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: alertingName,
        receivers: [
          {
            uid: `${alertingName}-email`,
            type: "email",
            // Grafana splits the addresses on ";", "," or newlines; one e-mail to all of them.
            settings: { addresses: contact.email.join(";"), singleEmail: true },
            disableResolveMessage: false,
          },
        ],
      },
    ],
  };
}

/** The notification policy file: everything to the `homelab-platform` contact point, grouped by alert and cluster. */
export function notificationPolicies(): {
  readonly apiVersion: 1;
  readonly policies: readonly {
    readonly orgId: 1;
    readonly receiver: string;
    readonly group_by: readonly string[];
    readonly group_wait: string;
    readonly group_interval: string;
    readonly repeat_interval: string;
  }[];
} {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: alertingName,
        group_by: ["alertname", "cluster"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "4h",
      },
    ],
  };
}
