import { containerResources } from "./platform-component";

/**
 * Helm values for the charts of the LGTM stack, as plain data. Each chart's `fullnameOverride` is its
 * release name, so the Service names below (and the URLs built from them) hold for any release.
 */

/** The Helm release, and so the Service name prefix, of each chart. */
export const lgtmReleases = {
  loki: "loki",
  tempo: "tempo",
  mimir: "mimir",
  grafana: "grafana",
  alloy: "alloy",
} as const;

/** Where each part of the stack answers inside the cluster. */
export interface LgtmEndpoints {
  /** Loki's HTTP API, the Grafana datasource. */
  readonly lokiUrl: string;
  /** Loki's push API, where Alloy sends logs. */
  readonly lokiPushUrl: string;
  /** Tempo's HTTP API, the Grafana datasource. */
  readonly tempoUrl: string;
  /** Tempo's OTLP gRPC receiver (host:port). */
  readonly tempoOtlpGrpcEndpoint: string;
  /** Mimir's Prometheus API behind its gateway, the Grafana datasource. */
  readonly mimirPrometheusUrl: string;
  /** Mimir's Prometheus remote-write API behind its gateway, where Alloy sends metrics. */
  readonly mimirRemoteWriteUrl: string;
  /** Where workloads send OTLP over gRPC (host:port): the Alloy collector. */
  readonly otlpGrpcEndpoint: string;
  /** Where workloads send OTLP over HTTP: the Alloy collector. */
  readonly otlpHttpEndpoint: string;
}

export function lgtmEndpoints(namespace: string): LgtmEndpoints {
  const host = (service: string) => `${service}.${namespace}.svc`;
  const mimirGateway = `http://${host(`${lgtmReleases.mimir}-gateway`)}`;
  return {
    lokiUrl: `http://${host(lgtmReleases.loki)}:3100`,
    lokiPushUrl: `http://${host(lgtmReleases.loki)}:3100/loki/api/v1/push`,
    tempoUrl: `http://${host(lgtmReleases.tempo)}:3200`,
    tempoOtlpGrpcEndpoint: `${host(lgtmReleases.tempo)}:4317`,
    mimirPrometheusUrl: `${mimirGateway}/prometheus`,
    mimirRemoteWriteUrl: `${mimirGateway}/api/v1/push`,
    otlpGrpcEndpoint: `${host(lgtmReleases.alloy)}:4317`,
    otlpHttpEndpoint: `http://${host(lgtmReleases.alloy)}:4318`,
  };
}

/**
 * The Secret that holds the root credentials of Mimir's object store (the chart's MinIO), in the stack's
 * namespace. Nothing in the charts writes it: whoever installs the stack creates it first (this project's
 * Pulumi layer generates it), so no credential appears in the values or in a ConfigMap. The keys are the
 * ones the MinIO subchart's `existingSecret` must hold (mimir-distributed 6.1.0, charts/minio/values.yaml:
 * ".data.rootUser and .data.rootPassword are mandatory").
 */
export interface ObjectStoreSecret {
  /** The Secret's name, in the stack's namespace (`LgtmProps.objectStoreSecretName`, by default `mimir-object-store`). */
  readonly name: string;
  /** The key holding the object store's root user (at least 3 characters for MinIO). */
  readonly userKey: "rootUser";
  /** The key holding the object store's root password (at least 8 characters for MinIO). */
  readonly passwordKey: "rootPassword";
}

/** The Secret name `Lgtm` expects by default; see `ObjectStoreSecret`. */
export const defaultObjectStoreSecretName = "mimir-object-store";

/** The environment variables Mimir's processes read the S3 credentials from (`-config.expand-env=true`). */
const s3Env = { user: "MIMIR_S3_ACCESS_KEY_ID", password: "MIMIR_S3_SECRET_ACCESS_KEY" } as const;

export function objectStoreSecret(name: string = defaultObjectStoreSecretName): ObjectStoreSecret {
  return { name, userKey: "rootUser", passwordKey: "rootPassword" };
}

/** What the values depend on, already validated. */
export interface LgtmSettings {
  readonly retentionDays: number;
  readonly lokiStorage: string;
  readonly tempoStorage: string;
  readonly mimirStorage: string;
  readonly grafanaStorage: string;
  readonly storageClassName: string;
  readonly grafanaHostname: string;
  readonly objectStoreSecret: ObjectStoreSecret;
}

/** Loki as one binary on a filesystem volume, with the retention compactor on. */
export function lokiValues(settings: LgtmSettings): Record<string, unknown> {
  return {
    fullnameOverride: lgtmReleases.loki,
    // The chart's name for the single binary since 18.x; `SingleBinary` is its deprecated alias.
    deploymentMode: "Monolithic",
    loki: {
      // One tenant per cluster (X-Scope-OrgID); Grafana reads them all at once (`a|b|c`).
      auth_enabled: true,
      querier: { multi_tenant_queries_enabled: true },
      commonConfig: { replication_factor: 1 },
      storage: { type: "filesystem" },
      schemaConfig: {
        configs: [
          {
            from: "2024-04-01",
            store: "tsdb",
            object_store: "filesystem",
            schema: "v13",
            index: { prefix: "index_", period: "24h" },
          },
        ],
      },
      compactor: { retention_enabled: true, delete_request_store: "filesystem" },
      limits_config: { retention_period: hours(settings.retentionDays) },
    },
    singleBinary: {
      replicas: 1,
      persistence: { enabled: true, size: settings.lokiStorage, storageClass: settings.storageClassName },
      resources: containerResources("100m", "256Mi", "1", "1Gi"),
    },
    // The scalable targets default to 3 replicas each; the chart refuses them next to the single binary.
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  };
}

/**
 * Tempo as one StatefulSet with a persistent volume, its metrics generator deriving service-graph and
 * span metrics from the traces and writing them to Mimir, where Grafana's service map reads them.
 */
export function tempoValues(settings: LgtmSettings, endpoints: LgtmEndpoints): Record<string, unknown> {
  return {
    fullnameOverride: lgtmReleases.tempo,
    tempo: {
      retention: hours(settings.retentionDays),
      resources: containerResources("100m", "256Mi", "1", "1Gi"),
      metricsGenerator: {
        enabled: true,
        // The chart's default names a Prometheus Service that does not exist here.
        remoteWriteUrl: endpoints.mimirRemoteWriteUrl,
        // On the persistent volume (mounted at /var/tempo), as the chart recommends, not its /tmp emptyDir.
        storage: { path: "/var/tempo/generator/wal" },
        traces_storage: { path: "/var/tempo/generator/traces" },
      },
      // One tenant per cluster; Grafana queries them all at once (`a|b|c`, on by default once multi-tenant).
      multitenancyEnabled: true,
      // The generator only runs the processors a tenant's overrides name; `defaults` covers every tenant.
      // It writes each tenant's metrics to Mimir under the same tenant (X-Scope-OrgID).
      overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
    },
    persistence: {
      enabled: true,
      size: settings.tempoStorage,
      storageClassName: settings.storageClassName,
    },
  };
}

/**
 * Mimir with one replica of every component: the classic write path (the chart's own
 * `classic-architecture.yaml`, no Kafka), no zone awareness, blocks in the chart's MinIO.
 */
export function mimirValues(settings: LgtmSettings): Record<string, unknown> {
  const volume = { persistentVolume: { storageClass: settings.storageClassName } };
  const singleZone = { replicas: 1, zoneAwareReplication: { enabled: false }, ...volume };
  const secret = settings.objectStoreSecret;
  // Mimir's default config writes `.Values.minio.rootUser/rootPassword` into its ConfigMap for each S3
  // client; these replace them with variables its processes expand from the Secret at start.
  const s3 = { access_key_id: `\${${s3Env.user}}`, secret_access_key: `\${${s3Env.password}}` };
  const fromSecret = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret.name, key } },
  });
  return {
    fullnameOverride: lgtmReleases.mimir,
    kafka: { enabled: false },
    // Every Mimir container runs with -config.expand-env=true; global.extraEnv reaches them all.
    global: {
      extraEnv: [fromSecret(s3Env.user, secret.userKey), fromSecret(s3Env.password, secret.passwordKey)],
    },
    mimir: {
      structuredConfig: {
        blocks_storage: { s3 },
        alertmanager_storage: { s3 },
        ruler_storage: { s3 },
        // null, not omitted: it clears the chart's Kafka-tuned defaults back to Mimir's own.
        ingest_storage: {
          enabled: false,
          kafka: { address: null, topic: null, auto_create_topic_default_partitions: null },
        },
        distributor: { remote_timeout: null },
        ingester: { push_grpc_method_enabled: null, ring: { replication_factor: 1 } },
        store_gateway: { sharding_ring: { replication_factor: 1 } },
        alertmanager: { sharding_ring: { replication_factor: 1 } },
        limits: {
          compactor_blocks_retention_period: hours(settings.retentionDays),
          // Per tenant, that is per cluster. Mimir's default of 150,000 series is near what the hub itself
          // makes (cAdvisor, kube-state-metrics and the stores' own metrics); a refused series is lost.
          max_global_series_per_user: 500000,
        },
        // Grafana reads every cluster's tenant at once (`X-Scope-OrgID: a|b|c`).
        tenant_federation: { enabled: true },
      },
    },
    // Zone-aware rollouts need several replicas per zone; with one replica the operator has no work.
    rollout_operator: { enabled: false },
    ingester: singleZone,
    store_gateway: singleZone,
    querier: { replicas: 1 },
    query_scheduler: { replicas: 1 },
    compactor: volume,
    alertmanager: volume,
    // Grafana, Alloy and Tempo reach Mimir through its gateway, which routes reads and writes to the right
    // component (on by default; stated because the endpoints depend on it).
    gateway: { enabled: true },
    minio: {
      enabled: true,
      // The chart's defaults (grafana-mimir / supersecret) cleared: MinIO reads its root user from the Secret.
      rootUser: "",
      rootPassword: "",
      existingSecret: secret.name,
      persistence: { size: settings.mimirStorage, storageClass: settings.storageClassName },
    },
  };
}

/** Grafana's alerting provisioning files by name (`rules.yaml`, `contactpoints.yaml`, `policies.yaml`). */
export type GrafanaAlerting = Readonly<Record<string, unknown>>;

/** What Grafana provisions besides its datasources. */
export interface GrafanaContent {
  /** Every tenant, which each datasource reads at once. */
  readonly tenants: readonly string[];
  /** Dashboards by file stem, as JSON models. */
  readonly dashboards: Readonly<Record<string, unknown>>;
  readonly alerting: GrafanaAlerting;
  /** The SMTP relay alert e-mails go through. */
  readonly smtp?: {
    readonly host: string;
    readonly from: string;
    readonly user?: string;
    readonly passwordSecret?: { readonly name: string; readonly key: string };
  };
}

/** The folder, provider and directory of the provisioned dashboards. */
export const dashboardProvider = "homelab-platform";

/**
 * The chart renders its `alerting` values through Helm's `tpl`, which would take Grafana's own
 * `{{ $labels.cluster }}` for a Helm action. Each `{{` becomes `{{`{{`}}` (a raw-string action printing
 * `{{`), which Helm turns back into what Grafana reads; `}}` outside an action is plain text.
 */
export function escapeForHelmTpl(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("{{", "{{`{{`}}");
  if (Array.isArray(value)) return value.map(escapeForHelmTpl);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, escapeForHelmTpl(entry)]));
  }
  return value;
}

/**
 * Grafana with a persistent volume, the three datasources reading every tenant at once, the curated
 * dashboards in their own folder, and the alert rules (with their contact point and policy when there is
 * one) provisioned from files.
 */
export function grafanaValues(
  settings: LgtmSettings,
  endpoints: LgtmEndpoints,
  content: GrafanaContent,
): Record<string, unknown> {
  // Grafana sends the header on every query; Mimir, Loki and Tempo answer for all the tenants named.
  const allTenants = {
    jsonData: { httpHeaderName1: "X-Scope-OrgID" },
    secureJsonData: { httpHeaderValue1: content.tenants.join("|") },
  };
  const smtp = content.smtp;
  return {
    fullnameOverride: lgtmReleases.grafana,
    "grafana.ini": {
      server: { domain: settings.grafanaHostname, root_url: `https://${settings.grafanaHostname}` },
      // Its policy lets Grafana reach nothing outside but an alert relay: no plugin installs from
      // grafana.com (the datasources used here are built in), no update checks, no usage reports.
      plugins: { preinstall_disabled: true },
      analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false },
      ...(smtp
        ? {
            smtp: {
              enabled: true,
              host: smtp.host,
              from_address: smtp.from,
              ...(smtp.user ? { user: smtp.user } : {}),
            },
          }
        : {}),
    },
    // The relay password as an environment variable from its Secret, never in values or a ConfigMap.
    ...(smtp?.passwordSecret
      ? {
          envValueFrom: {
            GF_SMTP_PASSWORD: {
              secretKeyRef: { name: smtp.passwordSecret.name, key: smtp.passwordSecret.key },
            },
          },
        }
      : {}),
    persistence: {
      enabled: true,
      type: "pvc",
      size: settings.grafanaStorage,
      storageClassName: settings.storageClassName,
    },
    // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
    deploymentStrategy: { type: "Recreate" },
    resources: containerResources("50m", "128Mi", "500m", "512Mi"),
    testFramework: { enabled: false },
    datasources: {
      "datasources.yaml": {
        apiVersion: 1,
        datasources: [
          {
            name: "Mimir",
            uid: "mimir",
            type: "prometheus",
            access: "proxy",
            url: endpoints.mimirPrometheusUrl,
            isDefault: true,
            ...allTenants,
          },
          { name: "Loki", uid: "loki", type: "loki", access: "proxy", url: endpoints.lokiUrl, ...allTenants },
          {
            name: "Tempo",
            uid: "tempo",
            type: "tempo",
            access: "proxy",
            url: endpoints.tempoUrl,
            jsonData: {
              ...allTenants.jsonData,
              tracesToLogsV2: { datasourceUid: "loki" },
              // Tempo's metrics generator writes the service-graph and span metrics to Mimir.
              serviceMap: { datasourceUid: "mimir" },
              tracesToMetrics: { datasourceUid: "mimir" },
              nodeGraph: { enabled: true },
            },
            secureJsonData: allTenants.secureJsonData,
          },
        ],
      },
    },
    dashboardProviders: {
      "dashboardproviders.yaml": {
        apiVersion: 1,
        providers: [
          {
            name: dashboardProvider,
            orgId: 1,
            folder: dashboardProvider,
            type: "file",
            // Provisioned from Git: changes in the UI are not kept.
            disableDeletion: true,
            editable: false,
            options: { path: `/var/lib/grafana/dashboards/${dashboardProvider}` },
          },
        ],
      },
    },
    // Inline JSON: the chart writes them into a ConfigMap and mounts each file. It also adds its
    // download-dashboards init container (curl) whenever `dashboards` is set, which fetches nothing here.
    dashboards: {
      [dashboardProvider]: Object.fromEntries(
        Object.entries(content.dashboards).map(([stem, dashboard]) => [
          stem,
          { json: JSON.stringify(dashboard, null, 2) },
        ]),
      ),
    },
    alerting: escapeForHelmTpl(content.alerting),
  };
}

/** Where a spoke's collector reads its password at the hub from: a Secret the caller creates. */
export interface HubCredentialsSecret {
  readonly name: string;
  readonly key: string;
}

/** What the collector needs besides its pipeline: a spoke's hub, by name and address, and its password. */
export interface AlloyHub {
  readonly hostname: string;
  /** The hub's internal gateway: the collector resolves `hostname` to it itself, with no LAN DNS. */
  readonly address: string;
  readonly credentials: HubCredentialsSecret;
  /** The directory the Secret is mounted at; the pipeline reads `<passwordDirectory>/password`. */
  readonly passwordDirectory: string;
}

/**
 * Read access to exactly what the pipeline reads: pods, their logs and namespaces, events, and the nodes
 * and their kubelets' metrics. The chart's default rules also read every Secret and ConfigMap.
 */
export const alloyRbac = {
  rules: [
    {
      apiGroups: [""],
      resources: ["pods", "pods/log", "namespaces", "events"],
      verbs: ["get", "list", "watch"],
    },
  ],
  clusterRules: [{ apiGroups: [""], resources: ["nodes", "nodes/metrics"], verbs: ["get", "list", "watch"] }],
} as const;

/**
 * Alloy as one collector: it tails logs through the API server and scrapes the kubelets and node-exporter
 * over the network, so it needs no hostPath or DaemonSet.
 */
export function alloyValues(config: string, hub?: AlloyHub): Record<string, unknown> {
  const volume = "telemetry-hub";
  return {
    fullnameOverride: lgtmReleases.alloy,
    controller: {
      type: "deployment",
      replicas: 1,
      ...(hub
        ? {
            volumes: {
              extra: [
                {
                  name: volume,
                  secret: {
                    secretName: hub.credentials.name,
                    items: [{ key: hub.credentials.key, path: "password" }],
                  },
                },
              ],
            },
          }
        : {}),
    },
    rbac: { create: true, rules: alloyRbac.rules, clusterRules: alloyRbac.clusterRules },
    alloy: {
      configMap: { content: config },
      // Usage reports would go to Grafana Labs; the collector's policy lets nothing out but telemetry.
      enableReporting: false,
      extraPorts: [
        { name: "otlp-grpc", port: 4317, targetPort: 4317, protocol: "TCP" },
        { name: "otlp-http", port: 4318, targetPort: 4318, protocol: "TCP" },
      ],
      resources: containerResources("100m", "256Mi", "1", "1Gi"),
      ...(hub
        ? {
            // A whole-volume mount (no subPath), so a new password reaches the file without a restart.
            mounts: { extra: [{ name: volume, mountPath: hub.passwordDirectory, readOnly: true }] },
            hostAliases: [{ ip: hub.address, hostnames: [hub.hostname] }],
          }
        : {}),
    },
  };
}

function hours(days: number): string {
  return `${days * 24}h`;
}
