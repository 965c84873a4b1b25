import type { LgtmEndpoints } from "./lgtm-values";

/** The labels every log stream and series carries: where it came from. */
const podIdentityRules = [
  ["__meta_kubernetes_namespace", "namespace"],
  ["__meta_kubernetes_pod_name", "pod"],
  ["__meta_kubernetes_pod_container_name", "container"],
  ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"],
]
  .map(
    ([source, target]) => `
  rule {
    source_labels = ["${source}"]
    target_label  = "${target}"
  }`,
  )
  .join("\n");

/** The Alloy pipeline: pod logs to Loki, pod metrics to Mimir, OTLP traces to Tempo. */
export function alloyConfig(endpoints: LgtmEndpoints): string {
  return `// Pod logs, tailed through the Kubernetes API.
discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
${podIdentityRules}
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.write.loki.receiver]
}

loki.write "loki" {
  endpoint {
    url = "${endpoints.lokiPushUrl}"
  }
}

// Metrics from every running container port whose name ends in "metrics".
discovery.relabel "pod_metrics" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_pod_container_port_name"]
    regex         = ".*metrics"
    action        = "keep"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_phase"]
    regex         = "Succeeded|Failed"
    action        = "drop"
  }
${podIdentityRules}
}

prometheus.scrape "pods" {
  targets    = discovery.relabel.pod_metrics.output
  forward_to = [prometheus.remote_write.mimir.receiver]
}

prometheus.remote_write "mimir" {
  endpoint {
    url = "${endpoints.mimirRemoteWriteUrl}"
  }
}

// Traces over OTLP, batched on to Tempo.
otelcol.receiver.otlp "default" {
  grpc {
    endpoint = "0.0.0.0:4317"
  }

  http {
    endpoint = "0.0.0.0:4318"
  }

  output {
    traces = [otelcol.processor.batch.default.input]
  }
}

otelcol.processor.batch "default" {
  output {
    traces = [otelcol.exporter.otlp.tempo.input]
  }
}

otelcol.exporter.otlp "tempo" {
  client {
    endpoint = "${endpoints.tempoOtlpGrpcEndpoint}"

    // Tempo's receiver speaks plain gRPC inside the cluster.
    tls {
      insecure = true
    }
  }
}
`;
}
