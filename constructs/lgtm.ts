import { Construct } from "constructs";
import { pins } from "../pins";
import type { GatewayRef } from "./gateway-ref";
import { attachLabels, gatewayRoute } from "./gateway-route";
import type { HttpRoute } from "./imports/gateway.networking.k8s.io";
import {
  alloyValues,
  grafanaValues,
  lgtmEndpoints,
  lgtmReleases,
  lokiValues,
  mimirValues,
  objectStoreSecret,
  tempoValues,
  type LgtmEndpoints,
  type LgtmSettings,
  type ObjectStoreSecret,
} from "./lgtm-values";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  apiServerEgress,
  podsPeer,
  tcpPorts,
  type KubernetesApiAccess,
} from "./platform-policies";

export type { LgtmEndpoints, ObjectStoreSecret } from "./lgtm-values";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** Configuration of `Lgtm`; only `grafanaHostname` is required, the sizes suit a homelab. */
export interface LgtmProps {
  /** The hostname the Grafana UI answers on, e.g. `grafana.home.example.org`. */
  readonly grafanaHostname: string;
  /**
   * The internal gateway Grafana's route attaches to.
   * @default - no route: Grafana is reached with `kubectl port-forward`
   */
  readonly gateway?: GatewayRef;
  /**
   * How long logs, traces and metrics are kept, in days.
   * @default 14
   */
  readonly retentionDays?: number;
  /**
   * Loki's volume.
   * @default "20Gi"
   */
  readonly lokiStorage?: string;
  /**
   * Tempo's volume.
   * @default "10Gi"
   */
  readonly tempoStorage?: string;
  /**
   * The volume of Mimir's object store (the chart's MinIO), which holds the metric blocks.
   * @default "20Gi"
   */
  readonly mimirStorage?: string;
  /**
   * Grafana's volume.
   * @default "5Gi"
   */
  readonly grafanaStorage?: string;
  /**
   * The StorageClass of every volume the stack claims.
   * @default "local-path"
   */
  readonly storageClassName?: string;
  /**
   * The namespace the stack runs in.
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * The Secret, in the stack's namespace, with the root credentials of Mimir's object store (keys
   * `rootUser` and `rootPassword`); MinIO and Mimir's S3 clients read it. Create it before the charts.
   * @default "mimir-object-store"
   */
  readonly objectStoreSecretName?: string;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS, its
   * pods among themselves, and the allowances in the README's table.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
}

/** Grafana's container port (the chart's `service.targetPort`), which its route's gateway reaches. */
const grafanaPodPort = 3000;

/**
 * Loki, Tempo, Mimir and Grafana from the upstream charts, each at one replica, with Alloy collecting pod
 * logs, pod metrics and OTLP traces, and Grafana's UI behind the internal gateway.
 */
export class Lgtm extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** Loki, Tempo, Mimir, Grafana, Alloy: the stores before their readers and writers. */
  readonly helmCharts: readonly HelmChart[];
  /** The hostname of Grafana's HTTPRoute. */
  readonly grafanaHostname: string;
  /** The in-cluster URLs of the stack: Grafana's datasources and where telemetry is sent. */
  readonly endpoints: LgtmEndpoints;
  /** Absent without a gateway. */
  readonly grafanaRoute?: HttpRoute;
  /** The Secret the caller must create in `namespace` before the charts: Mimir's object-store credentials. */
  readonly objectStoreSecret: ObjectStoreSecret;
  /** Alloy, for the NetworkPolicies of what it scrapes and what sends it OTLP. */
  readonly collector: TelemetryCollectorRef;
  /**
   * Each chart's pods: Loki, Tempo, Mimir (all its components), Mimir's MinIO, Grafana, Alloy. Not the
   * bucket Job the caller runs for MinIO (`mimirBuckets`).
   */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds the LGTM stack's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (hostname, retention, sizes, storage class, namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: LgtmProps) {
    super(scope, id);
    const namespace = props.namespace ?? "monitoring";
    const settings: LgtmSettings = {
      retentionDays: props.retentionDays ?? 14,
      lokiStorage: props.lokiStorage ?? "20Gi",
      tempoStorage: props.tempoStorage ?? "10Gi",
      mimirStorage: props.mimirStorage ?? "20Gi",
      grafanaStorage: props.grafanaStorage ?? "5Gi",
      storageClassName: props.storageClassName ?? "local-path",
      grafanaHostname: props.grafanaHostname,
      objectStoreSecret: objectStoreSecret(props.objectStoreSecretName),
    };
    validateLgtmSettings(settings, namespace);
    this.objectStoreSecret = settings.objectStoreSecret;

    // Grafana's init container chowns its volume as root (local-path volumes ignore fsGroup), which
    // `restricted` forbids; logs come through the API, not a hostPath, so `baseline` suffices.
    this.namespace = {
      name: namespace,
      podSecurity: "baseline",
      labels: attachLabels(props.gateway),
    };
    this.grafanaHostname = settings.grafanaHostname;

    this.endpoints = lgtmEndpoints(namespace);
    this.collector = lgtmCollector(namespace);

    const grafanaCommunity = "https://grafana-community.github.io/helm-charts";
    const grafana = "https://grafana.github.io/helm-charts";
    const chart = (
      repository: string,
      name: string,
      version: string,
      release: string,
      values: Record<string, unknown>,
    ): HelmChart => ({ repository, name, version, release, namespace, values });
    this.helmCharts = [
      chart(grafanaCommunity, "loki", pins.charts.loki, lgtmReleases.loki, lokiValues(settings)),
      chart(
        grafanaCommunity,
        "tempo",
        pins.charts.tempo,
        lgtmReleases.tempo,
        tempoValues(settings, this.endpoints),
      ),
      chart(grafana, "mimir-distributed", pins.charts.mimir, lgtmReleases.mimir, mimirValues(settings)),
      chart(
        grafanaCommunity,
        "grafana",
        pins.charts.grafana,
        lgtmReleases.grafana,
        grafanaValues(settings, this.endpoints),
      ),
      chart(grafana, "alloy", pins.charts.alloy, lgtmReleases.alloy, alloyValues(this.endpoints)),
    ];

    // Each chart's selector labels: its name and the release (MinIO's chart still uses app/release).
    const chartPods = (name: string, release: string, extra: Record<string, string> = {}) => ({
      "app.kubernetes.io/name": name,
      "app.kubernetes.io/instance": release,
      ...extra,
    });
    const loki: ComponentWorkload = {
      name: "loki",
      podLabels: chartPods("loki", lgtmReleases.loki, { "app.kubernetes.io/component": "single-binary" }),
    };
    const grafanaPods: ComponentWorkload = {
      name: "grafana",
      podLabels: chartPods("grafana", lgtmReleases.grafana),
    };
    const alloy: ComponentWorkload = { name: "alloy", podLabels: this.collector.podLabels };
    this.workloads = [
      loki,
      { name: "tempo", podLabels: chartPods("tempo", lgtmReleases.tempo) },
      { name: "mimir", podLabels: chartPods("mimir", lgtmReleases.mimir) },
      { name: "mimir-minio", podLabels: { app: "minio", release: lgtmReleases.mimir } },
      grafanaPods,
      alloy,
    ];
    if (props.apiServer) {
      const toApi = apiServerEgress(props.apiServer);
      addComponentPolicies(this, {
        namespace,
        // Loki, Tempo, Mimir's many components, MinIO, Grafana and Alloy all talk among themselves.
        sameNamespace: true,
        policies: [
          // The rules sidecar watches ConfigMaps labelled loki_rule.
          { workload: loki, egress: [toApi] },
          ...(props.gateway
            ? [
                {
                  workload: grafanaPods,
                  ingress: [
                    {
                      from: [podsPeer(props.gateway.proxyNamespace, props.gateway.proxyPodLabels)],
                      ports: tcpPorts(grafanaPodPort),
                    },
                  ],
                },
              ]
            : []),
          {
            workload: alloy,
            // OTLP from any pod; the senders' own policies say who may send.
            ingress: [{ from: [{ namespaceSelector: {} }], ports: tcpPorts(...this.collector.otlpPorts) }],
            egress: [
              // Pod discovery and logs, through the API.
              toApi,
              // Scrapes: every pod's metrics ports; the targets' policies admit the collector on them.
              { to: [{ namespaceSelector: {} }] },
            ],
          },
        ],
      });
    }

    if (props.gateway) {
      this.grafanaRoute = gatewayRoute(this, "grafana-route", {
        name: lgtmReleases.grafana,
        namespace,
        gateway: props.gateway,
        hostname: settings.grafanaHostname,
        service: lgtmReleases.grafana,
        port: 80,
      });
    }
  }
}

/**
 * Alloy's pods, as its chart labels them (`alloy.selectorLabels`: the chart name and the release), and
 * its OTLP receivers. Known before the stack is built, so components applied earlier can admit it.
 */
export function lgtmCollector(namespace = "monitoring"): TelemetryCollectorRef {
  return {
    namespace,
    podLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": lgtmReleases.alloy },
    otlpPorts: [4317, 4318],
  };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;
/** A whole binary-suffixed size, the form volume requests are written in. */
const volumeSize = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

function validateLgtmSettings(settings: LgtmSettings, namespace: string): void {
  const problems: string[] = [];
  if (!Number.isInteger(settings.retentionDays) || settings.retentionDays < 1) {
    problems.push(`retentionDays must be a whole number of at least 1, got ${settings.retentionDays}`);
  }
  const volumes = {
    lokiStorage: settings.lokiStorage,
    tempoStorage: settings.tempoStorage,
    mimirStorage: settings.mimirStorage,
    grafanaStorage: settings.grafanaStorage,
  };
  for (const [prop, size] of Object.entries(volumes)) {
    if (!volumeSize.test(size)) {
      problems.push(`${prop} must be a size in Mi, Gi or Ti such as "20Gi", got "${size}"`);
    }
  }
  if (!dnsSubdomain.test(settings.storageClassName)) {
    problems.push(
      `storageClassName must be a StorageClass name (lowercase DNS subdomain), got "${settings.storageClassName}"`,
    );
  }
  if (!hostnamePattern.test(settings.grafanaHostname)) {
    problems.push(
      `grafanaHostname must be a lowercase fully qualified name such as "grafana.home.example.org", got "${settings.grafanaHostname}"`,
    );
  }
  if (!dnsLabel.test(namespace)) {
    problems.push(`namespace must be a DNS label (lowercase letters, digits, '-'), got "${namespace}"`);
  }
  if (!dnsSubdomain.test(settings.objectStoreSecret.name)) {
    problems.push(
      `objectStoreSecretName must be a Secret name (lowercase DNS subdomain), got "${settings.objectStoreSecret.name}"`,
    );
  }
  if (problems.length > 0) throw new Error(`Lgtm: ${problems.join("; ")}`);
}
