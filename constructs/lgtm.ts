import { Construct } from "constructs";
import { pins } from "../pins";
import { alertRuleGroups, contactPoints, notificationPolicies } from "./alert-rules";
import type { GatewayRef } from "./gateway-ref";
import { attachLabels, gatewayRoute } from "./gateway-route";
import { grafanaDashboards } from "./grafana-dashboards";
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesMethod,
  HttpRouteSpecRulesMatchesPathType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
} from "./imports/gateway.networking.k8s.io";
import { SecurityPolicy } from "./imports/gateway.envoyproxy.io";
import { hubIngestPath, storePushPaths } from "./lgtm-alloy-config";
import {
  grafanaValues,
  lgtmEndpoints,
  lgtmReleases,
  lokiValues,
  mimirValues,
  objectStoreSecret,
  tempoValues,
  type GrafanaAlerting,
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
import { k8s } from "cdk8s-plus-30";
import {
  addComponentPolicies,
  addressesEgress,
  apiServerEgress,
  internetEgress,
  podsPeer,
  tcpPorts,
  type KubernetesApiAccess,
  type WorkloadPolicy,
} from "./platform-policies";
import { TelemetryCollectors } from "./telemetry-collectors";

export type { LgtmEndpoints, ObjectStoreSecret } from "./lgtm-values";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** A cluster that ships its telemetry to this hub: its tenant name and the Secret its password is checked against. */
export interface TelemetryTenant {
  /** The tenant, and the basic-auth user: the spoke cluster's name. */
  readonly name: string;
  /**
   * The Secret, in the stack's namespace, whose `.htpasswd` key holds `<name>:{SHA}<digest>` of the
   * tenant's password (the format Envoy Gateway's basic auth reads). The caller creates it.
   */
  readonly htpasswdSecret: string;
}

/** Who the alerts go to, and the SMTP relay Grafana sends them through. */
export interface LgtmAlerts {
  /** The addresses every alert goes to. */
  readonly email: readonly string[];
  /** The relay Grafana sends through. */
  readonly smtp: {
    /** host:port */
    readonly host: string;
    readonly from: string;
    readonly user?: string;
    /** The Secret key holding the relay password of `user`, in the stack's namespace. */
    readonly passwordSecret?: { readonly name: string; readonly key: string };
  };
}

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
  /** The cluster's name: its own tenant, and the `cluster` label of its telemetry. */
  readonly cluster: string;
  /**
   * Every node's address, where the collector scrapes the kubelets and node-exporter. Required with
   * `apiServer`.
   */
  readonly nodeAddresses?: readonly string[];
  /**
   * Ports the CNI's host-networked agents serve metrics on, on the nodes' addresses.
   * @default []
   */
  readonly hostMetricsPorts?: readonly number[];
  /**
   * The clusters that ship here through `gateway`, each its own tenant. Needs `gateway` and
   * `telemetryHostname`.
   * @default - none: this cluster's telemetry only
   */
  readonly spokes?: readonly TelemetryTenant[];
  /** The hostname spokes send to on `gateway`, e.g. `telemetry.core.example.com`. Required with `spokes`. */
  readonly telemetryHostname?: string;
  /**
   * Where the alert rules notify.
   * @default - the rules are provisioned and shown in Grafana, nobody is notified
   */
  readonly alerts?: LgtmAlerts;
}

/**
 * Grafana's way to its SMTP relay (`host:port`): that address only when the host is an IPv4 address (a
 * relay on the LAN), else the port on public addresses — a policy cannot name a host by its DNS name.
 */
function smtpRelayEgress(relay: string): k8s.NetworkPolicyEgressRule {
  const colon = relay.lastIndexOf(":");
  const host = relay.slice(0, colon);
  const port = Number(relay.slice(colon + 1));
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
    ? addressesEgress([host], tcpPorts(port))
    : internetEgress(tcpPorts(port));
}

/** Where Loki, Mimir's gateway and Tempo receive pushes, on their pods, for the hub's ingest routes. */
const ingestPodPorts = { loki: 3100, mimirGateway: 8080, tempoOtlpHttp: 4318 } as const;
/** The Service ports the ingest routes send to. */
const ingestServicePorts = { loki: 3100, mimirGateway: 80, tempoOtlpHttp: 4318 } as const;

/** Grafana's container port (the chart's `service.targetPort`), which its route's gateway reaches. */
const grafanaPodPort = 3000;

/**
 * The observability hub: Loki, Tempo, Mimir and Grafana from the upstream charts, each at one replica and
 * multi-tenant (each cluster its own tenant, Grafana reading them all), this cluster's collectors
 * (`TelemetryCollectors`), Grafana's UI behind the internal gateway with the curated dashboards and alert
 * rules, and — for spokes — an ingest route per tenant on the internal gateway, behind basic auth.
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
  /** This cluster's collectors and their pipeline. */
  readonly collectors: TelemetryCollectors;
  /** Every tenant the stores hold: this cluster first, then the spokes. */
  readonly tenants: readonly string[];
  /** One route per spoke tenant on the internal gateway, by tenant. */
  readonly ingestRoutes: Readonly<Record<string, HttpRoute>>;
  /** The dashboards provisioned into Grafana, by file stem. */
  readonly dashboards: Readonly<Record<string, unknown>>;
  /** Grafana's alerting provisioning files, as Grafana reads them (before the chart's template escaping). */
  readonly alerting: GrafanaAlerting;
  /**
   * Each chart's pods: Loki, Tempo, Mimir (all its components, and its gateway), Mimir's MinIO, Grafana,
   * Alloy, kube-state-metrics. Not the bucket Job the caller runs for MinIO (`mimirBuckets`).
   */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds the LGTM stack's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (hostname, retention, sizes, storage class, namespace, tenants), before adding anything
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
    const spokes = props.spokes ?? [];
    validateLgtmSettings(settings, namespace, props, spokes);
    this.objectStoreSecret = settings.objectStoreSecret;
    this.tenants = [props.cluster, ...spokes.map((spoke) => spoke.name)];

    // Grafana's init container chowns its volume as root (local-path volumes ignore fsGroup), which
    // `restricted` forbids; logs come through the API, not a hostPath, so `baseline` suffices.
    this.namespace = {
      name: namespace,
      podSecurity: "baseline",
      labels: attachLabels(props.gateway),
    };
    this.grafanaHostname = settings.grafanaHostname;
    this.endpoints = lgtmEndpoints(namespace);

    this.collectors = new TelemetryCollectors(this, "collectors", {
      cluster: props.cluster,
      namespace,
      destination: {
        kind: "local",
        lokiPushUrl: this.endpoints.lokiPushUrl,
        mimirRemoteWriteUrl: this.endpoints.mimirRemoteWriteUrl,
        tempoOtlpGrpcEndpoint: this.endpoints.tempoOtlpGrpcEndpoint,
      },
      apiServer: props.apiServer,
      nodeAddresses: props.nodeAddresses,
      hostMetricsPorts: props.hostMetricsPorts,
      // Written below with the stores' policies: one default-deny per namespace.
      addPolicies: false,
    });
    this.collector = this.collectors.collector;

    this.dashboards = grafanaDashboards();
    this.alerting = {
      "rules.yaml": alertRuleGroups({ clusters: this.tenants }),
      ...(props.alerts
        ? {
            "contactpoints.yaml": contactPoints({ email: props.alerts.email }),
            "policies.yaml": notificationPolicies(),
          }
        : {}),
    };

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
        grafanaValues(settings, this.endpoints, {
          tenants: this.tenants,
          dashboards: this.dashboards,
          alerting: this.alerting,
          smtp: props.alerts?.smtp,
        }),
      ),
      ...this.collectors.helmCharts,
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
    const tempo: ComponentWorkload = { name: "tempo", podLabels: chartPods("tempo", lgtmReleases.tempo) };
    // Mimir's gateway pods (`mimir.selectorLabels` with the component), also among "mimir".
    const mimirGateway: ComponentWorkload = {
      name: "mimir-gateway",
      podLabels: chartPods("mimir", lgtmReleases.mimir, { "app.kubernetes.io/component": "gateway" }),
    };
    const grafanaPods: ComponentWorkload = {
      name: "grafana",
      podLabels: chartPods("grafana", lgtmReleases.grafana),
    };
    this.workloads = [
      loki,
      tempo,
      { name: "mimir", podLabels: chartPods("mimir", lgtmReleases.mimir) },
      mimirGateway,
      { name: "mimir-minio", podLabels: { app: "minio", release: lgtmReleases.mimir } },
      grafanaPods,
      ...this.collectors.workloads,
    ];

    // Spokes push through the internal gateway: its proxies reach the three push receivers, no more.
    const ingest = props.gateway && spokes.length > 0 ? props.gateway : undefined;
    if (props.apiServer) {
      const fromProxies = (gateway: GatewayRef, port: number): k8s.NetworkPolicyIngressRule => ({
        from: [podsPeer(gateway.proxyNamespace, gateway.proxyPodLabels)],
        ports: tcpPorts(port),
      });
      const policies: WorkloadPolicy[] = [
        {
          workload: loki,
          // The rules sidecar watches ConfigMaps labelled loki_rule.
          egress: [apiServerEgress(props.apiServer)],
          ingress: ingest ? [fromProxies(ingest, ingestPodPorts.loki)] : [],
        },
      ];
      if (ingest) {
        policies.push(
          { workload: tempo, ingress: [fromProxies(ingest, ingestPodPorts.tempoOtlpHttp)] },
          { workload: mimirGateway, ingress: [fromProxies(ingest, ingestPodPorts.mimirGateway)] },
        );
      }
      const relay = props.alerts ? smtpRelayEgress(props.alerts.smtp.host) : undefined;
      if (props.gateway || relay) {
        policies.push({
          workload: grafanaPods,
          ingress: props.gateway ? [fromProxies(props.gateway, grafanaPodPort)] : [],
          // Alert e-mails: the relay's port, on its address when given as one, else on public addresses.
          egress: relay ? [relay] : [],
        });
      }
      addComponentPolicies(this, {
        namespace,
        // Loki, Tempo, Mimir's many components, MinIO, Grafana, Alloy and kube-state-metrics talk among
        // themselves.
        sameNamespace: true,
        policies: [...policies, ...this.collectors.policies],
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
    const routes: Record<string, HttpRoute> = {};
    if (ingest) {
      for (const spoke of spokes) {
        routes[spoke.name] = this.addIngestRoute(spoke, ingest, props.telemetryHostname!, namespace);
      }
    }
    this.ingestRoutes = routes;
  }

  /**
   * A spoke's ingest: exactly its three push URLs under `/tenants/<name>/` (POST, exact paths), each
   * rewritten to the store's own push API with the tenant header set (overwriting whatever the client
   * sent), behind basic auth against the tenant's own Secret. No read, rule or delete API of the stores is
   * reachable through the gateway, not even the tenant's own.
   */
  private addIngestRoute(
    spoke: TelemetryTenant,
    gateway: GatewayRef,
    hostname: string,
    namespace: string,
  ): HttpRoute {
    const name = `telemetry-${spoke.name}`;
    const push = (path: keyof typeof storePushPaths, service: string, port: number) => ({
      matches: [
        {
          method: HttpRouteSpecRulesMatchesMethod.POST,
          path: { type: HttpRouteSpecRulesMatchesPathType.EXACT, value: hubIngestPath(spoke.name, path) },
        },
      ],
      filters: [
        {
          type: HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER,
          requestHeaderModifier: { set: [{ name: "X-Scope-OrgID", value: spoke.name }] },
        },
        {
          type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
          urlRewrite: {
            path: {
              type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_FULL_PATH,
              replaceFullPath: storePushPaths[path],
            },
          },
        },
      ],
      backendRefs: [{ name: service, port }],
    });
    const route = new HttpRoute(this, name, {
      metadata: { name, namespace },
      spec: {
        parentRefs: [
          { name: gateway.name, namespace: gateway.namespace, sectionName: gateway.httpsListener },
        ],
        hostnames: [hostname],
        rules: [
          push("loki", lgtmReleases.loki, ingestServicePorts.loki),
          push("mimir", `${lgtmReleases.mimir}-gateway`, ingestServicePorts.mimirGateway),
          push("otlp", lgtmReleases.tempo, ingestServicePorts.tempoOtlpHttp),
        ],
      },
    });
    new SecurityPolicy(this, `${name}-basic-auth`, {
      metadata: { name, namespace },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }],
        basicAuth: { users: { name: spoke.htpasswdSecret } },
      },
    });
    return route;
  }
}

/** Alloy's pods and OTLP ports (see `telemetryCollector`), known before the stack is built. */
export { telemetryCollector as lgtmCollector } from "./telemetry-collectors";

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;
/** A whole binary-suffixed size, the form volume requests are written in. */
const volumeSize = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

function validateLgtmSettings(
  settings: LgtmSettings,
  namespace: string,
  props: LgtmProps,
  spokes: readonly TelemetryTenant[],
): void {
  const problems: string[] = [];
  if (!dnsLabel.test(props.cluster)) {
    problems.push(`cluster must be a DNS label (the tenant and the cluster label), got "${props.cluster}"`);
  }
  const tenants = new Set([props.cluster]);
  for (const spoke of spokes) {
    if (!dnsLabel.test(spoke.name)) problems.push(`spokes: "${spoke.name}" is not a DNS label`);
    if (tenants.has(spoke.name)) problems.push(`spokes: "${spoke.name}" is a tenant already`);
    tenants.add(spoke.name);
    if (!dnsSubdomain.test(spoke.htpasswdSecret)) {
      problems.push(`spokes: "${spoke.htpasswdSecret}" is not a Secret name`);
    }
  }
  if (spokes.length > 0) {
    if (!props.gateway) problems.push("spokes need gateway: they push through the internal gateway");
    if (props.telemetryHostname === undefined || !hostnamePattern.test(props.telemetryHostname)) {
      problems.push(
        `telemetryHostname must be a lowercase fully qualified name with spokes, got "${props.telemetryHostname ?? ""}"`,
      );
    }
  }
  if (props.apiServer && !props.nodeAddresses) {
    problems.push(
      "nodeAddresses is required with apiServer: the collector scrapes the kubelets and node-exporter",
    );
  }
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
