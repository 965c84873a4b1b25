/**
 * Where a cluster's collector sends: to the stores in its own cluster (the hub), as its own tenant, or to
 * the hub's ingest on the hub's internal gateway, over TLS with the cluster's credentials (a spoke).
 */
export type TelemetryDestination =
  | {
      readonly kind: "local";
      /** The tenant the data is stored under: the cluster's name. */
      readonly tenant: string;
      /** Loki's push API. */
      readonly lokiPushUrl: string;
      /** Mimir's remote-write API. */
      readonly mimirRemoteWriteUrl: string;
      /** Tempo's OTLP gRPC receiver (host:port). */
      readonly tempoOtlpGrpcEndpoint: string;
    }
  | {
      readonly kind: "hub";
      /** `https://<hub's telemetry hostname>`: where the hub's routes for this tenant are. */
      readonly baseUrl: string;
      /** The tenant, and basic-auth user: the cluster's name. */
      readonly tenant: string;
      /** The file the collector reads the password from (a mounted Secret, re-read when it changes). */
      readonly passwordFile: string;
    };

/** Each store's own push API, which the hub's routes rewrite a tenant's push URL to. */
export const storePushPaths = {
  loki: "/loki/api/v1/push",
  mimir: "/api/v1/push",
  // OTLP over HTTP: Alloy's otlphttp exporter posts traces to <endpoint>/v1/traces.
  otlp: "/v1/traces",
} as const;

/** The path a spoke pushes one signal to on the hub: `/tenants/<tenant>/<store>/<the store's push path>`. */
export function hubIngestPath(tenant: string, store: keyof typeof storePushPaths): string {
  return `/tenants/${tenant}/${store}${storePushPaths[store]}`;
}

/** What the collector scrapes besides pods' own metrics ports. */
export interface AlloyConfigOptions {
  /** The cluster's name: the `cluster` label of every series and log stream, and the span attribute. */
  readonly cluster: string;
  readonly destination: TelemetryDestination;
  /** kube-state-metrics' pods (scraped with their own labels kept) and the port of their metrics. */
  readonly kubeStateMetrics: ScrapedPods;
  /** node-exporter's host-networked pods: scraped on each node's address at `port`. */
  readonly nodeExporter: ScrapedPods;
}

/** Pods, by namespace and labels, and the port their metrics are served on. */
export interface ScrapedPods {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
}

/** The service-account token the collector authenticates to the kubelets with. */
const serviceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** The labels every log stream and series of a pod carries: where it came from. */
const podIdentityRules = [
  ["__meta_kubernetes_namespace", "namespace"],
  ["__meta_kubernetes_pod_name", "pod"],
  ["__meta_kubernetes_pod_container_name", "container"],
  ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"],
  ["__meta_kubernetes_pod_node_name", "node"],
]
  .map(([source, target]) => rule(`source_labels = ["${source}"]`, `target_label  = "${target}"`))
  .join("\n");

function rule(...lines: string[]): string {
  return `
  rule {
${lines.map((line) => `    ${line}`).join("\n")}
  }`;
}

/** Keeps (or drops) pods whose labels are exactly the given ones. */
function podSelectorRules(pods: ScrapedPods, action: "keep" | "drop"): string {
  const labels = Object.entries(pods.podLabels).sort(([a], [b]) => a.localeCompare(b));
  const sources = [
    "__meta_kubernetes_namespace",
    ...labels.map(([key]) => `__meta_kubernetes_pod_label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`),
  ];
  const values = [pods.namespace, ...labels.map(([, value]) => value)];
  return rule(
    `source_labels = [${sources.map((source) => `"${source}"`).join(", ")}]`,
    `separator     = ";"`,
    `regex         = "${values.map(escapeRegex).join(";")}"`,
    `action        = "${action}"`,
  );
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, (char) => `\\\\${char}`);
}

function lokiEndpoint(destination: TelemetryDestination): string {
  if (destination.kind === "local") {
    return `  endpoint {
    url       = "${destination.lokiPushUrl}"
    tenant_id = "${destination.tenant}"
  }`;
  }
  return `  endpoint {
    url = "${destination.baseUrl}${hubIngestPath(destination.tenant, "loki")}"

    basic_auth {
      username = "${destination.tenant}"
      password = local.file.hub_password.content
    }
  }`;
}

function mimirEndpoint(destination: TelemetryDestination): string {
  if (destination.kind === "local") {
    return `  endpoint {
    url     = "${destination.mimirRemoteWriteUrl}"
    headers = {
      "X-Scope-OrgID" = "${destination.tenant}",
    }
  }`;
  }
  return `  endpoint {
    url = "${destination.baseUrl}${hubIngestPath(destination.tenant, "mimir")}"

    basic_auth {
      username = "${destination.tenant}"
      password = local.file.hub_password.content
    }
  }`;
}

function traceExporter(destination: TelemetryDestination): { name: string; config: string } {
  if (destination.kind === "local") {
    return {
      name: "otelcol.exporter.otlp.tempo.input",
      config: `otelcol.exporter.otlp "tempo" {
  client {
    endpoint = "${destination.tempoOtlpGrpcEndpoint}"
    headers  = {
      "X-Scope-OrgID" = "${destination.tenant}",
    }

    // Tempo's receiver speaks plain gRPC inside the cluster.
    tls {
      insecure = true
    }
  }
}`,
    };
  }
  return {
    name: "otelcol.exporter.otlphttp.hub.input",
    config: `otelcol.auth.basic "hub" {
  client_auth {
    username = "${destination.tenant}"
    password = local.file.hub_password.content
  }
}

// Spans go to <endpoint>/v1/traces on the hub's gateway, over TLS.
otelcol.exporter.otlphttp "hub" {
  client {
    endpoint = "${destination.baseUrl}/tenants/${destination.tenant}/otlp"
    auth     = otelcol.auth.basic.hub.handler
  }
}`,
  };
}

/**
 * The Alloy pipeline of one cluster: pod logs and Kubernetes events to Loki; pods' metrics ports, the
 * kubelets, cAdvisor, node-exporter and kube-state-metrics to Mimir; OTLP traces to Tempo. Every series
 * and stream is labelled with the cluster's name.
 */
export function alloyConfig(options: AlloyConfigOptions): string {
  const { cluster, destination, kubeStateMetrics, nodeExporter } = options;
  const traces = traceExporter(destination);
  const password =
    destination.kind === "hub"
      ? `// This cluster's password at the hub, from its mounted Secret; re-read when the Secret changes.
local.file "hub_password" {
  filename  = "${destination.passwordFile}"
  is_secret = true
}

`
      : "";
  return `${password}// Pod logs, tailed through the Kubernetes API.
discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
${podIdentityRules}
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.write.default.receiver]
}

// Kubernetes events, as logs of the job integrations/kubernetes/eventhandler.
loki.source.kubernetes_events "events" {
  job_name   = "integrations/kubernetes/eventhandler"
  log_format = "logfmt"
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
${lokiEndpoint(destination)}

  external_labels = {
    cluster = "${cluster}",
  }
}

// Metrics from every running container port named "…metrics" (or Cilium's "prometheus"), except the
// exporters scraped below with labels of their own.
discovery.relabel "pod_metrics" {
  targets = discovery.kubernetes.pods.targets
${rule(`source_labels = ["__meta_kubernetes_pod_container_port_name"]`, `regex         = ".*metrics|prometheus"`, `action        = "keep"`)}
${rule(`source_labels = ["__meta_kubernetes_pod_phase"]`, `regex         = "Succeeded|Failed"`, `action        = "drop"`)}
${podSelectorRules(kubeStateMetrics, "drop")}
${podSelectorRules(nodeExporter, "drop")}
${rule(`source_labels = ["__meta_kubernetes_pod_annotation_prometheus_io_path"]`, `regex         = "(.+)"`, `target_label  = "__metrics_path__"`)}
${rule(`// Envoy Gateway's proxies serve Envoy's stats at /stats/prometheus on their metrics port.`, `source_labels = ["__meta_kubernetes_pod_label_gateway_envoyproxy_io_owning_gateway_name"]`, `regex         = ".+"`, `replacement   = "/stats/prometheus"`, `target_label  = "__metrics_path__"`)}
${podIdentityRules}
}

prometheus.scrape "pods" {
  targets    = discovery.relabel.pod_metrics.output
  job_name   = "pods"
  forward_to = [prometheus.remote_write.default.receiver]
}

// kube-state-metrics: its series name the objects they describe (namespace, pod), so its labels win.
discovery.relabel "kube_state_metrics" {
  targets = discovery.kubernetes.pods.targets
${podSelectorRules(kubeStateMetrics, "keep")}
${rule(`source_labels = ["__meta_kubernetes_pod_container_port_number"]`, `regex         = "${kubeStateMetrics.port}"`, `action        = "keep"`)}
}

prometheus.scrape "kube_state_metrics" {
  targets      = discovery.relabel.kube_state_metrics.output
  job_name     = "kube-state-metrics"
  honor_labels = true
  forward_to   = [prometheus.remote_write.default.receiver]
}

// The kubelets and their cAdvisor, on each node's address; the kubelet's serving certificate is
// self-signed, the token is the collector's (nodes/metrics).
discovery.kubernetes "nodes" {
  role = "node"
}

discovery.relabel "nodes" {
  targets = discovery.kubernetes.nodes.targets
${rule(`source_labels = ["__meta_kubernetes_node_name"]`, `target_label  = "node"`)}
}

prometheus.scrape "kubelet" {
  targets           = discovery.relabel.nodes.output
  job_name          = "kubelet"
  scheme            = "https"
  bearer_token_file = "${serviceAccountToken}"
  forward_to        = [prometheus.remote_write.default.receiver]

  tls_config {
    insecure_skip_verify = true
  }
}

prometheus.scrape "cadvisor" {
  targets           = discovery.relabel.nodes.output
  job_name          = "cadvisor"
  metrics_path      = "/metrics/cadvisor"
  scheme            = "https"
  bearer_token_file = "${serviceAccountToken}"
  forward_to        = [prometheus.remote_write.default.receiver]

  tls_config {
    insecure_skip_verify = true
  }
}

// node-exporter, host-networked on every node.
discovery.relabel "node_exporter" {
  targets = discovery.kubernetes.nodes.targets
${rule(`source_labels = ["__address__"]`, `regex         = "(.+):[0-9]+"`, `replacement   = "$1:${nodeExporter.port}"`, `target_label  = "__address__"`)}
${rule(`source_labels = ["__meta_kubernetes_node_name"]`, `target_label  = "node"`)}
}

prometheus.scrape "node_exporter" {
  targets    = discovery.relabel.node_exporter.output
  job_name   = "node-exporter"
  forward_to = [prometheus.remote_write.default.receiver]
}

prometheus.remote_write "default" {
${mimirEndpoint(destination)}

  external_labels = {
    cluster = "${cluster}",
  }
}

// Traces over OTLP from the cluster's apps, marked with the cluster and batched on.
otelcol.receiver.otlp "default" {
  grpc {
    endpoint = "0.0.0.0:4317"
  }

  http {
    endpoint = "0.0.0.0:4318"
  }

  output {
    traces = [otelcol.processor.transform.cluster.input]
  }
}

// The cluster's name on every span's resource, as the OpenTelemetry conventions name it.
otelcol.processor.transform "cluster" {
  error_mode = "ignore"

  trace_statements {
    context    = "resource"
    statements = [\`set(attributes["k8s.cluster.name"], "${cluster}")\`]
  }

  output {
    traces = [otelcol.processor.batch.default.input]
  }
}

otelcol.processor.batch "default" {
  output {
    traces = [${traces.name}]
  }
}

${traces.config}
`;
}
