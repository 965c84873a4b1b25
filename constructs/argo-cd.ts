import { Construct } from "constructs";
import { pins } from "../pins";
import type { GatewayRef } from "./gateway-ref";
import { AppProject } from "./imports/argoproj.io";
import { attachLabels, gatewayRoute } from "./gateway-route";
import type { HttpRoute } from "./imports/gateway.networking.k8s.io";
import {
  applyAsPatchAnnotation,
  containerResources,
  type ComponentNamespace,
  type ComponentWorkload,
  type HelmChart,
  type PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  apiServerEgress,
  internetEgress,
  podsPeer,
  tcpPorts,
  type KubernetesApiAccess,
  type WorkloadPolicy,
} from "./platform-policies";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** Configuration of `ArgoCd`; only `hostname` is required. */
export interface ArgoCdProps {
  /** The hostname the Argo CD UI answers on, e.g. `argocd.home.example.org`. */
  readonly hostname: string;
  /**
   * The internal gateway the UI's route attaches to.
   * @default - no route: the UI is reached with `kubectl port-forward`
   */
  readonly gateway?: GatewayRef;
  /**
   * Run Dex for single sign-on; its connectors are configured separately in `argocd-cm`.
   * @default false
   */
  readonly dex?: boolean;
  /**
   * The namespace Argo CD runs in.
   * @default "argocd"
   */
  readonly namespace?: string;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS and
   * what each part needs; see the README's table.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
  /**
   * The telemetry collector let in on each part's `metrics` port (with `apiServer` only).
   * @default - no scrapes
   */
  readonly telemetry?: TelemetryCollectorRef;
}

/**
 * Argo CD's parts as the chart names them (`<part>.name` in its values) and their container ports
 * (`<part>.containerPorts`), at the chart's defaults.
 */
const argoCdParts = {
  controller: { name: "application-controller", ports: {}, metrics: 8082 },
  server: { name: "server", ports: { http: 8080 }, metrics: 8083 },
  repoServer: { name: "repo-server", ports: { grpc: 8081 }, metrics: 8084 },
  applicationSet: { name: "applicationset-controller", ports: {}, metrics: 8080 },
  notifications: { name: "notifications-controller", ports: {}, metrics: 9001 },
  redis: { name: "redis", ports: { redis: 6379 }, metrics: undefined },
  dex: { name: "dex-server", ports: { http: 5556, grpc: 5557 }, metrics: 5558 },
} as const;

/** The chart's `fullnameOverride`, so its Service names do not depend on the release name. */
const fullname = "argocd";
const serverService = `${fullname}-server`;
/**
 * The AppProject Argo CD creates for itself when it starts, and which any Application that names no other
 * project falls into: left as Argo CD makes it, it admits every repository, every destination and every
 * kind, cluster-scoped ones included.
 */
export const defaultProjectName = "default";

/**
 * The Redis password Secret every Argo CD pod reads: the chart hard-codes its name and key
 * (templates/_helpers.tpl). The chart's pre-install hook that generates it (`redisSecretInit`) is turned
 * off, since Pulumi's Helm support does not run hooks: whoever installs `ArgoCd` creates this Secret
 * first, with a random value under `key`.
 */
export const argoCdRedisSecret = { name: "argocd-redis", key: "auth" } as const;

/**
 * Argo CD from the upstream chart, sized for a homelab, with its UI behind the internal gateway and its
 * `default` AppProject locked: nothing is delivered except through a project made for it (each app's
 * own). The platform itself is applied by Pulumi, not by Argo CD. TLS ends at the gateway, so the server
 * speaks plain HTTP inside the cluster.
 */
export class ArgoCd extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** The argo-cd chart. */
  readonly helmCharts: readonly HelmChart[];
  /** The hostname of the UI's HTTPRoute. */
  readonly hostname: string;
  /** Absent without a gateway. */
  readonly route?: HttpRoute;
  /**
   * The `default` AppProject, taken over from Argo CD and emptied: no source repository, no destination,
   * no kind. An Application that names no project of its own (one made in the UI, say) deploys nothing.
   */
  readonly defaultProject: AppProject;
  /** Each Argo CD part: controller, server, repo-server, ApplicationSet and notifications controllers, Redis, Dex. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds Argo CD's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (hostname, namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const namespace = props.namespace ?? "argocd";
    validateArgoCdProps(props, namespace);
    this.hostname = props.hostname;
    // The chart's pods set runAsNonRoot, seccomp RuntimeDefault and drop ALL capabilities.
    this.namespace = {
      name: namespace,
      podSecurity: "restricted",
      labels: attachLabels(props.gateway),
    };

    this.helmCharts = [
      {
        repository: "https://argoproj.github.io/argo-helm",
        name: "argo-cd",
        version: pins.charts.argocd,
        release: "argocd",
        namespace,
        values: argoCdValues(props.hostname, props.dex ?? false),
      },
    ];

    if (props.gateway) {
      this.route = gatewayRoute(this, "route", {
        name: serverService,
        namespace,
        gateway: props.gateway,
        hostname: props.hostname,
        service: serverService,
        port: 80,
      });
    }

    this.workloads = argoCdPolicies(namespace, props).map(({ workload }) => workload);
    if (props.apiServer) {
      addComponentPolicies(this, {
        namespace,
        collector: props.telemetry,
        policies: argoCdPolicies(namespace, props, props.apiServer),
      });
    }

    this.defaultProject = new AppProject(this, "default-project", {
      metadata: {
        name: defaultProjectName,
        namespace,
        // Argo CD's server creates the project when it starts, before this is applied: it is patched,
        // taking over the fields Argo CD's field manager owns.
        annotations: { [applyAsPatchAnnotation]: "true", "pulumi.com/patchForce": "true" },
      },
      spec: {
        description: "Locked: every app has a project of its own, and the platform is applied by Pulumi.",
        sourceRepos: [],
        destinations: [],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [],
      },
    });
  }
}

/**
 * Per part, not one namespace-wide allowance: the repo-server renders manifests from any source it is
 * given (Helm, Kustomize, plugins) and Redis holds the cache every part trusts, so each admits only the
 * parts the chart's own NetworkPolicies admit (each part's networkpolicy.yaml), and only the repo-server
 * reaches Git and chart sources. Without `api`, the rules are built only for the workloads.
 */
function argoCdPolicies(namespace: string, props: ArgoCdProps, api?: KubernetesApiAccess): WorkloadPolicy[] {
  const workload = (part: keyof typeof argoCdParts): ComponentWorkload => ({
    name: argoCdParts[part].name,
    podLabels: {
      // `argo-cd.selectorLabels`: the chart's nameOverride ("argocd"), the part, and the release.
      "app.kubernetes.io/name": `argocd-${argoCdParts[part].name}`,
      "app.kubernetes.io/instance": "argocd",
    },
  });
  const controller = workload("controller");
  const server = workload("server");
  const repoServer = workload("repoServer");
  const applicationSet = workload("applicationSet");
  const notifications = workload("notifications");
  const redis = workload("redis");
  const dex = props.dex ? workload("dex") : undefined;
  const toApi = api ? [apiServerEgress(api)] : [];
  const to = (target: ComponentWorkload, ports: number[]) => ({
    to: [podsPeer(namespace, target.podLabels)],
    ports: tcpPorts(...ports),
  });
  const from = (sources: ComponentWorkload[], ports: number[]) => ({
    from: sources.map((source) => podsPeer(namespace, source.podLabels)),
    ports: tcpPorts(...ports),
  });
  const repo = argoCdParts.repoServer.ports.grpc;
  const redisPort = argoCdParts.redis.ports.redis;
  const dexPorts = [argoCdParts.dex.ports.http, argoCdParts.dex.ports.grpc];
  const metrics = (part: keyof typeof argoCdParts) => {
    const port = argoCdParts[part].metrics;
    return port === undefined ? [] : [port];
  };
  const policies: WorkloadPolicy[] = [
    {
      workload: controller,
      egress: [...toApi, to(repoServer, [repo]), to(redis, [redisPort])],
      metricsPorts: metrics("controller"),
    },
    {
      workload: server,
      // The UI and API, through the internal gateway (port-forwards reach the pod without the network).
      ingress: props.gateway
        ? [
            {
              from: [podsPeer(props.gateway.proxyNamespace, props.gateway.proxyPodLabels)],
              ports: tcpPorts(argoCdParts.server.ports.http),
            },
          ]
        : [],
      egress: [...toApi, to(repoServer, [repo]), to(redis, [redisPort]), ...(dex ? [to(dex, dexPorts)] : [])],
      metricsPorts: metrics("server"),
    },
    {
      workload: repoServer,
      ingress: [from([server, controller, applicationSet, notifications], [repo])],
      // Git over HTTPS and SSH, Helm repositories and OCI registries; no API (it has no RBAC).
      egress: [to(redis, [redisPort]), internetEgress(tcpPorts(443, 22))],
      metricsPorts: metrics("repoServer"),
    },
    {
      workload: applicationSet,
      egress: [...toApi, to(repoServer, [repo])],
      metricsPorts: metrics("applicationSet"),
    },
    {
      // No notification service is configured: configuring one needs an egress rule for it.
      workload: notifications,
      egress: [...toApi, to(repoServer, [repo])],
      metricsPorts: metrics("notifications"),
    },
    // Redis dials nothing.
    { workload: redis, ingress: [from([server, repoServer, controller], [redisPort])] },
  ];
  if (dex) {
    policies.push({
      workload: dex,
      ingress: [from([server], dexPorts)],
      // Its configuration from the API; the upstream identity providers over HTTPS.
      egress: [...toApi, internetEgress(tcpPorts(443))],
      metricsPorts: metrics("dex"),
    });
  }
  return policies;
}

function argoCdValues(hostname: string, dex: boolean): Record<string, unknown> {
  return {
    fullnameOverride: fullname,
    global: { domain: hostname },
    configs: { params: { "server.insecure": true } },
    dex: { enabled: dex, resources: containerResources("10m", "32Mi", "100m", "128Mi") },
    controller: { resources: containerResources("250m", "512Mi", "1", "1Gi") },
    server: { resources: containerResources("50m", "128Mi", "500m", "256Mi") },
    repoServer: { resources: containerResources("100m", "256Mi", "1", "1Gi") },
    redis: { resources: containerResources("50m", "64Mi", "200m", "128Mi") },
    // A hook Job would generate `argocd-redis`; the installer provides it instead (`argoCdRedisSecret`).
    redisSecretInit: { enabled: false },
    applicationSet: { resources: containerResources("50m", "64Mi", "200m", "256Mi") },
    notifications: { resources: containerResources("20m", "64Mi", "100m", "128Mi") },
  };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;

function validateArgoCdProps(props: ArgoCdProps, namespace: string): void {
  const problems: string[] = [];
  if (!hostnamePattern.test(props.hostname)) {
    problems.push(
      `hostname must be a lowercase fully qualified name such as "argocd.home.example.org", got "${props.hostname}"`,
    );
  }
  if (!dnsLabel.test(namespace)) {
    problems.push(`namespace must be a DNS label (lowercase letters, digits, '-'), got "${namespace}"`);
  }
  if (problems.length > 0) throw new Error(`ArgoCd: ${problems.join("; ")}`);
}
