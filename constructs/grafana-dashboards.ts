import {
  clusterVariable,
  dashboard,
  labelVariable,
  logPanel,
  metricPanel,
  type GrafanaDashboard,
} from "./grafana-dashboard-model";

export type { GrafanaDashboard } from "./grafana-dashboard-model";

// Queries rely on the hub's label conventions: every series has `cluster`; node-exporter's carry `node`;
// kube-state-metrics keeps its own `namespace`, `pod` and `node` labels; cAdvisor's come from the kubelet.
const inCluster = 'cluster="$cluster"';
const rate = "$__rate_interval";
/** Filesystems worth watching: node-exporter already leaves out pseudo filesystems, not memory-backed ones. */
const diskFilesystems = 'fstype!~"tmpfs|ramfs"';
/** Pod network interfaces (Cilium's lxc*) and the loopback say nothing about the node's own traffic. */
const nodeInterfaces = 'device!~"lo|lxc.*|cilium_.*|veth.*"';
/** Envoy Gateway's own listeners on each proxy: the stats endpoint and the readiness probe. */
const trafficListeners = 'envoy_http_conn_manager_prefix!~"eg-stats-http|eg-ready-http"';

const fleetOverview = dashboard(
  "hp-fleet-overview",
  "Fleet overview",
  "Every cluster at a glance: one row per cluster, then trends across clusters.",
  [],
  [
    metricPanel(
      "table",
      "Clusters",
      [24, 8],
      [
        { expr: `sum by (cluster) (kube_node_status_condition{condition="Ready",status="true"})` },
        { expr: "count by (cluster) (kube_node_info)" },
        {
          expr: 'sum by (cluster) (kube_pod_status_ready{condition="false"}) - sum by (cluster) (kube_pod_status_phase{phase="Succeeded"})',
        },
        { expr: `1 - avg by (cluster) (rate(node_cpu_seconds_total{mode="idle"}[${rate}]))` },
        {
          expr: "1 - sum by (cluster) (node_memory_MemAvailable_bytes) / sum by (cluster) (node_memory_MemTotal_bytes)",
        },
        { expr: "sum by (cluster) (cloudflared_tunnel_ha_connections)" },
        {
          expr: "sum by (cluster) (certmanager_certificate_expiration_timestamp_seconds - time() < bool 14 * 86400)",
        },
        {
          expr: 'sum by (cluster) (argocd_app_info{health_status!="Healthy"}) or sum by (cluster) (argocd_app_info) * 0',
        },
        { expr: "sum by (cluster) (tuppr_upgrade_progressing)" },
      ],
      {
        description: "Pods not ready leave out completed pods (phase Succeeded).",
        transformations: [
          { id: "merge", options: {} },
          {
            id: "organize",
            options: {
              excludeByName: { Time: true },
              renameByName: {
                "Value #A": "Nodes ready",
                "Value #B": "Nodes",
                "Value #C": "Pods not ready",
                "Value #D": "CPU used",
                "Value #E": "Memory used",
                "Value #F": "Tunnel connections",
                "Value #G": "Certificates expiring < 14d",
                "Value #H": "Argo CD apps not healthy",
                "Value #I": "Upgrades in flight",
              },
            },
          },
        ],
      },
    ),
    metricPanel(
      "timeseries",
      "CPU used",
      [12, 8],
      [
        {
          expr: `1 - avg by (cluster) (rate(node_cpu_seconds_total{mode="idle"}[${rate}]))`,
          legendFormat: "{{cluster}}",
        },
      ],
      { unit: "percentunit" },
    ),
    metricPanel(
      "timeseries",
      "Memory used",
      [12, 8],
      [
        {
          expr: "1 - sum by (cluster) (node_memory_MemAvailable_bytes) / sum by (cluster) (node_memory_MemTotal_bytes)",
          legendFormat: "{{cluster}}",
        },
      ],
      { unit: "percentunit" },
    ),
    logPanel(
      "timeseries",
      "Log volume",
      [24, 8],
      [
        {
          expr: 'sum by (cluster) (bytes_over_time({cluster=~".+"} [$__auto]))',
          legendFormat: "{{cluster}}",
        },
      ],
      { unit: "bytes" },
    ),
  ],
);

const cluster = dashboard(
  "hp-cluster",
  "Cluster",
  "One cluster: its nodes, workloads, certificates and events.",
  [clusterVariable],
  [
    metricPanel(
      "stat",
      "Nodes ready",
      [6, 4],
      [{ expr: `sum(kube_node_status_condition{${inCluster},condition="Ready",status="true"})` }],
    ),
    metricPanel(
      "stat",
      "Pods running",
      [6, 4],
      [{ expr: `sum(kube_pod_status_phase{${inCluster},phase="Running"})` }],
    ),
    metricPanel(
      "stat",
      "Container restarts (1h)",
      [6, 4],
      [{ expr: `sum(increase(kube_pod_container_status_restarts_total{${inCluster}}[1h]))` }],
    ),
    metricPanel(
      "stat",
      "Upgrades in flight",
      [6, 4],
      [{ expr: `sum(tuppr_upgrade_progressing{${inCluster}})` }],
    ),
    metricPanel(
      "timeseries",
      "CPU used by node",
      [12, 8],
      [
        {
          expr: `1 - avg by (node) (rate(node_cpu_seconds_total{${inCluster},mode="idle"}[${rate}]))`,
          legendFormat: "{{node}}",
        },
      ],
      { unit: "percentunit" },
    ),
    metricPanel(
      "timeseries",
      "Memory used by node",
      [12, 8],
      [
        {
          expr: `1 - node_memory_MemAvailable_bytes{${inCluster}} / node_memory_MemTotal_bytes{${inCluster}}`,
          legendFormat: "{{node}}",
        },
      ],
      { unit: "percentunit" },
    ),
    metricPanel(
      "timeseries",
      "CPU by namespace",
      [12, 8],
      [
        {
          expr: `sum by (namespace) (rate(container_cpu_usage_seconds_total{${inCluster},container!=""}[${rate}]))`,
          legendFormat: "{{namespace}}",
        },
      ],
      { unit: "cores" },
    ),
    metricPanel(
      "timeseries",
      "Memory by namespace",
      [12, 8],
      [
        {
          expr: `sum by (namespace) (container_memory_working_set_bytes{${inCluster},container!=""})`,
          legendFormat: "{{namespace}}",
        },
      ],
      { unit: "bytes" },
    ),
    metricPanel(
      "table",
      "Deployments with unavailable replicas",
      [12, 8],
      [{ expr: `kube_deployment_status_replicas_unavailable{${inCluster}} > 0` }],
    ),
    metricPanel(
      "table",
      "Certificates: days to expiry",
      [12, 8],
      [{ expr: `(certmanager_certificate_expiration_timestamp_seconds{${inCluster}} - time()) / 86400` }],
    ),
    logPanel(
      "logs",
      "Kubernetes events",
      [24, 10],
      [{ expr: `{${inCluster}, job="integrations/kubernetes/eventhandler"}` }],
    ),
  ],
);

const inNode = `${inCluster},node="$node"`;
const node = dashboard(
  "hp-node",
  "Node",
  "One node, from node-exporter: CPU, memory, filesystems, disks and network.",
  [clusterVariable, labelVariable("node", "Node", `kube_node_info{${inCluster}}`)],
  [
    metricPanel(
      "timeseries",
      "CPU by mode",
      [12, 8],
      [
        {
          expr: `sum by (mode) (rate(node_cpu_seconds_total{${inNode},mode!="idle"}[${rate}]))`,
          legendFormat: "{{mode}}",
        },
      ],
      { unit: "cores" },
    ),
    metricPanel(
      "timeseries",
      "Load",
      [12, 8],
      [
        { expr: `node_load1{${inNode}}`, legendFormat: "1m" },
        { expr: `node_load5{${inNode}}`, legendFormat: "5m" },
      ],
    ),
    metricPanel(
      "timeseries",
      "Memory",
      [12, 8],
      [
        { expr: `node_memory_MemTotal_bytes{${inNode}}`, legendFormat: "total" },
        { expr: `node_memory_MemAvailable_bytes{${inNode}}`, legendFormat: "available" },
      ],
      { unit: "bytes" },
    ),
    metricPanel(
      "timeseries",
      "Filesystem used",
      [12, 8],
      [
        {
          expr: `1 - node_filesystem_avail_bytes{${inNode},${diskFilesystems}} / node_filesystem_size_bytes{${inNode},${diskFilesystems}}`,
          legendFormat: "{{mountpoint}}",
        },
      ],
      { unit: "percentunit" },
    ),
    metricPanel(
      "timeseries",
      "Disk throughput",
      [12, 8],
      [
        {
          expr: `sum by (device) (rate(node_disk_read_bytes_total{${inNode}}[${rate}]))`,
          legendFormat: "{{device}} read",
        },
        {
          expr: `sum by (device) (rate(node_disk_written_bytes_total{${inNode}}[${rate}]))`,
          legendFormat: "{{device}} written",
        },
      ],
      { unit: "Bps" },
    ),
    metricPanel(
      "timeseries",
      "Network",
      [12, 8],
      [
        {
          expr: `sum by (device) (rate(node_network_receive_bytes_total{${inNode},${nodeInterfaces}}[${rate}]))`,
          legendFormat: "{{device}} in",
        },
        {
          expr: `sum by (device) (rate(node_network_transmit_bytes_total{${inNode},${nodeInterfaces}}[${rate}]))`,
          legendFormat: "{{device}} out",
        },
      ],
      { unit: "Bps" },
    ),
  ],
);

const inNamespace = `${inCluster},namespace="$namespace"`;
const namespace = dashboard(
  "hp-namespace",
  "Namespace",
  "One namespace: its pods, their restarts and resources (cAdvisor), and their logs.",
  [clusterVariable, labelVariable("namespace", "Namespace", `kube_namespace_status_phase{${inCluster}}`)],
  [
    metricPanel(
      "timeseries",
      "Pods by phase",
      [12, 8],
      [{ expr: `sum by (phase) (kube_pod_status_phase{${inNamespace}})`, legendFormat: "{{phase}}" }],
    ),
    metricPanel(
      "timeseries",
      "Container restarts (1h)",
      [12, 8],
      [
        {
          expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${inNamespace}}[1h]))`,
          legendFormat: "{{pod}}",
        },
      ],
    ),
    metricPanel(
      "timeseries",
      "CPU by pod",
      [12, 8],
      [
        {
          expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${inNamespace},container!=""}[${rate}]))`,
          legendFormat: "{{pod}}",
        },
      ],
      { unit: "cores" },
    ),
    metricPanel(
      "timeseries",
      "Memory by pod",
      [12, 8],
      [
        {
          expr: `sum by (pod) (container_memory_working_set_bytes{${inNamespace},container!=""})`,
          legendFormat: "{{pod}}",
        },
      ],
      { unit: "bytes" },
    ),
    logPanel(
      "timeseries",
      "Log lines by pod",
      [24, 6],
      [{ expr: `sum by (pod) (count_over_time({${inNamespace}} [$__auto]))`, legendFormat: "{{pod}}" }],
    ),
    logPanel("logs", "Logs", [24, 12], [{ expr: `{${inNamespace}}` }]),
  ],
);

const gatewayTunnel = dashboard(
  "hp-gateway-tunnel",
  "Gateways and tunnel",
  "Traffic through the Envoy Gateway proxies (downstream listeners, upstream clusters) and the Cloudflare tunnel.",
  [clusterVariable],
  [
    metricPanel(
      "timeseries",
      "Envoy requests by listener",
      [12, 8],
      [
        {
          expr: `sum by (envoy_http_conn_manager_prefix) (rate(envoy_http_downstream_rq_total{${inCluster},${trafficListeners}}[${rate}]))`,
          legendFormat: "{{envoy_http_conn_manager_prefix}}",
        },
      ],
      { unit: "reqps" },
    ),
    metricPanel(
      "timeseries",
      "Envoy 5xx ratio",
      [12, 8],
      [
        {
          expr: `sum(rate(envoy_http_downstream_rq_xx{${inCluster},${trafficListeners},envoy_response_code_class="5"}[${rate}])) / sum(rate(envoy_http_downstream_rq_total{${inCluster},${trafficListeners}}[${rate}]))`,
          legendFormat: "5xx",
        },
      ],
      { unit: "percentunit" },
    ),
    metricPanel(
      "timeseries",
      "Envoy request latency",
      [12, 8],
      [
        {
          expr: `histogram_quantile(0.5, sum by (le) (rate(envoy_http_downstream_rq_time_bucket{${inCluster},${trafficListeners}}[${rate}])))`,
          legendFormat: "p50",
        },
        {
          expr: `histogram_quantile(0.95, sum by (le) (rate(envoy_http_downstream_rq_time_bucket{${inCluster},${trafficListeners}}[${rate}])))`,
          legendFormat: "p95",
        },
      ],
      {
        unit: "ms",
        description: "Envoy's downstream_rq_time, request start to response end, in milliseconds.",
      },
    ),
    metricPanel(
      "timeseries",
      "Upstream 5xx by backend",
      [12, 8],
      [
        {
          expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx{${inCluster},envoy_response_code_class="5"}[${rate}]))`,
          legendFormat: "{{envoy_cluster_name}}",
        },
      ],
      { unit: "reqps" },
    ),
    metricPanel(
      "timeseries",
      "Tunnel connections by connector",
      [12, 8],
      [{ expr: `sum by (pod) (cloudflared_tunnel_ha_connections{${inCluster}})`, legendFormat: "{{pod}}" }],
      { description: "Each connector keeps up to four connections to Cloudflare's edge." },
    ),
    metricPanel(
      "timeseries",
      "Tunnel requests",
      [12, 8],
      [
        {
          expr: `sum(rate(cloudflared_tunnel_total_requests{${inCluster}}[${rate}]))`,
          legendFormat: "requests",
        },
        {
          expr: `sum(rate(cloudflared_tunnel_request_errors{${inCluster}}[${rate}]))`,
          legendFormat: "errors to origin",
        },
      ],
      { unit: "reqps" },
    ),
    metricPanel(
      "timeseries",
      "Tunnel responses by status",
      [24, 8],
      [
        {
          expr: `sum by (status_code) (rate(cloudflared_tunnel_response_by_code{${inCluster}}[${rate}]))`,
          legendFormat: "{{status_code}}",
        },
      ],
      { unit: "reqps" },
    ),
  ],
);

const argocd = dashboard(
  "hp-argocd",
  "Argo CD",
  "Applications' health and sync status, and the syncs the application controller ran.",
  [clusterVariable],
  [
    metricPanel(
      "stat",
      "Applications by health",
      [12, 5],
      [
        {
          expr: `count by (health_status) (argocd_app_info{${inCluster}})`,
          legendFormat: "{{health_status}}",
        },
      ],
    ),
    metricPanel(
      "stat",
      "Applications by sync status",
      [12, 5],
      [{ expr: `count by (sync_status) (argocd_app_info{${inCluster}})`, legendFormat: "{{sync_status}}" }],
    ),
    metricPanel(
      "table",
      "Applications not healthy or not synced",
      [24, 8],
      [
        {
          expr: `argocd_app_info{${inCluster},health_status!="Healthy"} or argocd_app_info{${inCluster},sync_status!="Synced"}`,
        },
      ],
    ),
    metricPanel(
      "timeseries",
      "Syncs by phase",
      [24, 8],
      [
        {
          expr: `sum by (phase) (increase(argocd_app_sync_total{${inCluster}}[1h]))`,
          legendFormat: "{{phase}}",
        },
      ],
      { description: "Syncs started in the preceding hour, by how they ended." },
    ),
  ],
);

/**
 * The platform's Grafana dashboards, by file name stem (`fleet-overview` → `fleet-overview.json`), for the
 * hub's Grafana to load through a file dashboard provider. Every query goes to the datasource uid `mimir`
 * (PromQL) or `loki` (LogQL); per-cluster dashboards pick the cluster with the `cluster` variable.
 */
export function grafanaDashboards(): Readonly<Record<string, GrafanaDashboard>> {
  return {
    "fleet-overview": fleetOverview,
    cluster,
    node,
    namespace,
    "gateway-tunnel": gatewayTunnel,
    argocd,
  };
}
