import { containerResources } from "./platform-component";
import { alloyConfig } from "./lgtm-alloy-config";

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
      // One tenant: no X-Scope-OrgID needed from Grafana or Alloy.
      auth_enabled: false,
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
      // The generator only runs the processors a tenant's overrides name; `defaults` covers the single tenant.
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
        limits: { compactor_blocks_retention_period: hours(settings.retentionDays) },
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

/** Grafana with a persistent volume and the three datasources provisioned. */
export function grafanaValues(settings: LgtmSettings, endpoints: LgtmEndpoints): Record<string, unknown> {
  return {
    fullnameOverride: lgtmReleases.grafana,
    "grafana.ini": {
      server: { domain: settings.grafanaHostname, root_url: `https://${settings.grafanaHostname}` },
    },
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
          },
          { name: "Loki", uid: "loki", type: "loki", access: "proxy", url: endpoints.lokiUrl },
          {
            name: "Tempo",
            uid: "tempo",
            type: "tempo",
            access: "proxy",
            url: endpoints.tempoUrl,
            jsonData: {
              tracesToLogsV2: { datasourceUid: "loki" },
              // Tempo's metrics generator writes the service-graph and span metrics to Mimir.
              serviceMap: { datasourceUid: "mimir" },
              tracesToMetrics: { datasourceUid: "mimir" },
              nodeGraph: { enabled: true },
            },
          },
        ],
      },
    },
  };
}

/** Alloy as one collector: it tails logs through the API server, so it needs no hostPath or DaemonSet. */
export function alloyValues(endpoints: LgtmEndpoints): Record<string, unknown> {
  return {
    fullnameOverride: lgtmReleases.alloy,
    controller: { type: "deployment", replicas: 1 },
    alloy: {
      configMap: { content: alloyConfig(endpoints) },
      extraPorts: [
        { name: "otlp-grpc", port: 4317, targetPort: 4317, protocol: "TCP" },
        { name: "otlp-http", port: 4318, targetPort: 4318, protocol: "TCP" },
      ],
      resources: containerResources("100m", "256Mi", "1", "1Gi"),
    },
  };
}

function hours(days: number): string {
  return `${days * 24}h`;
}
