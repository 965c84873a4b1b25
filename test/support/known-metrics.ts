/**
 * Metric names the platform's exporters really expose, per exporter, each list with the upstream source it
 * was read from. Dashboards and alert rules may only select these: a misspelt or invented name would be a
 * panel that is always empty or an alert that never fires.
 */
export const knownMetrics: Readonly<Record<string, readonly string[]>> = {
  // Every scrape's own series, which Prometheus-compatible scrapers (Alloy's prometheus.scrape) add for
  // each target: prometheus/docs content/docs/concepts/jobs_instances.md, "Automatically generated
  // labels and time series".
  scrape: ["up"],
  // kubernetes/kube-state-metrics v2.20.0: docs/metrics/cluster/node-metrics.md,
  // docs/metrics/cluster/namespace-metrics.md, docs/metrics/workload/pod-metrics.md,
  // docs/metrics/workload/deployment-metrics.md
  "kube-state-metrics": [
    "kube_node_info",
    "kube_node_status_condition",
    "kube_namespace_status_phase",
    "kube_pod_status_phase",
    "kube_pod_status_ready",
    "kube_pod_container_status_restarts_total",
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas_unavailable",
  ],
  // prometheus/node_exporter v1.12.1: collector/fixtures/e2e-output.txt (node_cpu_seconds_total, node_load1,
  // node_load5, node_disk_*, node_network_*, node_memory_MemTotal_bytes); collector/meminfo_linux.go
  // ("MemAvailable_bytes", "MemTotal_bytes" under the "memory" subsystem, collector/meminfo.go);
  // collector/filesystem_common.go (subsystem "filesystem": "avail_bytes", "size_bytes").
  "node-exporter": [
    "node_cpu_seconds_total",
    "node_load1",
    "node_load5",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
  ],
  // google/cadvisor v0.60.5: lib/metrics/testdata/prometheus_metrics (the kubelet serves these on
  // /metrics/cadvisor, adding the namespace, pod and container labels).
  cadvisor: ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"],
  // envoyproxy/envoy: docs/root/configuration/http/http_conn_man/stats.rst (downstream_rq_total,
  // downstream_rq_<n>xx, downstream_rq_time histogram) and docs/root/configuration/upstream/cluster_manager/
  // cluster_stats.rst (upstream_rq_<n>xx), named for Prometheus by source/common/config/well_known_names.cc
  // (the <n>xx class becomes envoy_response_code_class) as test/integration/integration_admin_test.cc
  // shows: envoy_http_downstream_rq_xx{envoy_response_code_class="4",envoy_http_conn_manager_prefix="admin"}.
  envoy: [
    "envoy_http_downstream_rq_total",
    "envoy_http_downstream_rq_xx",
    "envoy_http_downstream_rq_time_bucket",
    "envoy_cluster_upstream_rq_xx",
  ],
  // cloudflare/cloudflared 2026.6.1: supervisor/metrics.go (ha_connections), proxy/metrics.go (total_requests,
  // request_errors, response_by_code), namespace "cloudflared" and subsystem "tunnel" from
  // connection/metrics.go; served by promhttp.Handler() in metrics/metrics.go (text format, no _total added).
  cloudflared: [
    "cloudflared_tunnel_ha_connections",
    "cloudflared_tunnel_total_requests",
    "cloudflared_tunnel_request_errors",
    "cloudflared_tunnel_response_by_code",
  ],
  // argoproj/argo-cd v3.4.4: controller/metrics/metrics.go (argocd_app_info with health_status and
  // sync_status labels, argocd_app_sync_total with phase).
  "argo-cd": ["argocd_app_info", "argocd_app_sync_total"],
  // cert-manager/cert-manager v1.21.1: pkg/metrics/certificates_test.go (expected exposition of
  // pkg/metrics/certificates.go).
  "cert-manager": [
    "certmanager_certificate_expiration_timestamp_seconds",
    "certmanager_certificate_ready_status",
  ],
  // home-operations/tuppr 0.5.0: internal/metrics/reporter.go (tuppr_upgrade_progressing is 1 while
  // api/v1alpha1/shared_types.go JobPhase.IsInFlight; tuppr_upgrades counts upgrades by upgrade_type and phase).
  tuppr: ["tuppr_upgrade_progressing", "tuppr_upgrades"],
};

/** Every known metric name, whichever exporter serves it. */
export const allKnownMetrics: ReadonlySet<string> = new Set(Object.values(knownMetrics).flat());
