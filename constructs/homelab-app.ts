import { Chart, JsonPatch } from "cdk8s";
import { k8s } from "cdk8s-plus-30";
import { Construct } from "constructs";
import type { GatewayRef } from "./gateway-ref";
import { homelabAppProblems, sameGateway } from "./homelab-app-problems";
import { Application, AppProject, type ApplicationSpecSource } from "./imports/argoproj.io";
import { cloudflareAccessPolicy } from "./cloudflare-access";
import { gatewayRoute } from "./gateway-route";
import { SecurityPolicy } from "./imports/gateway.envoyproxy.io";
import { addNetworkPolicy, addProfilePolicies, namespacePeer, type NetworkProfile } from "./network-profiles";
import type { PodSecurityLevel } from "./platform-component";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** A chart from a Helm repository (or an OCI registry). */
export interface HelmAppSource {
  /** The chart repository: `https://…`, or `oci://registry/path` for a chart in an OCI registry. */
  readonly repoUrl: string;
  /** The chart's name in the repository. */
  readonly chart: string;
  /** The exact chart version Argo CD installs. */
  readonly version: string;
  /**
   * Helm values for the release.
   * @default - the chart's own defaults
   */
  readonly values?: Readonly<Record<string, unknown>>;
}

/** A directory of manifests, Kustomize or a chart in a Git repository. */
export interface GitAppSource {
  /** The Git repository's URL; the app's AppProject admits only this repository. */
  readonly repoUrl: string;
  /** The directory in the repository Argo CD renders, e.g. `deploy`. */
  readonly path: string;
  /** A branch, tag or commit. @default "HEAD" */
  readonly revision?: string;
}

/** Where Argo CD takes the app's workloads from: exactly one of a Helm chart or a Git path. */
export type AppSource =
  | { readonly helm: HelmAppSource; readonly git?: undefined }
  | { readonly git: GitAppSource; readonly helm?: undefined };

/** A reason to run below `restricted`, recorded on the namespace for review. */
export interface PodSecurityException {
  /** The Pod Security level enforced instead of `restricted`. */
  readonly level: Exclude<PodSecurityLevel, "restricted">;
  /** Why the app cannot run `restricted`; at least 10 characters. */
  readonly reason: string;
}

/** One hostname routed by a gateway to one of the app's Services. */
export interface AppExposure {
  /** The hostname routed, e.g. `wiki.home.example.org`; each hostname at most once per app. */
  readonly host: string;
  /** The gateway whose HTTPS listener serves the hostname: `EnvoyGateway`'s `internal` or `public`. */
  readonly gateway: GatewayRef;
  /** The app's Service that receives the traffic. */
  readonly service: string;
  /** The Service port the route sends to. */
  readonly port: number;
  /**
   * The pod port behind `port`, which is what NetworkPolicies match: the gateway proxies send to pod
   * addresses, not to the Service.
   * @default - the same as `port`
   */
  readonly targetPort?: number;
  /**
   * Whether Cloudflare Access guards the hostname. Required when `gateway` is the public gateway, so
   * that every public hostname carries a decision; not allowed otherwise.
   * @default - none (internal exposures only)
   */
  readonly access?: boolean;
  /**
   * The AUD tag of the Cloudflare Access application in front of `host`. Required when `access` is true,
   * and only then: the gateway refuses every request to `host` that carries no valid Access token of
   * `HomelabAppProps.accessTeamName` for this audience (see `cloudflareAccessPolicy`), so that clients
   * that reach the gateway without passing Cloudflare (from the LAN, from pods) do not skip Access.
   * @default - none
   */
  readonly accessAudience?: string;
}

/** What the edge (tunnel ingress, DNS, Access) needs to know of a public hostname. */
export interface PublicExposure {
  /** The public hostname. */
  readonly host: string;
  /** Whether Cloudflare Access guards it (`false`: published to everyone). */
  readonly access: boolean;
}

/**
 * An app is either created or not: to disable one, do not create it. Its Argo CD objects, namespace
 * and policies then disappear together.
 */
export interface HomelabAppProps {
  /** A DNS label; names the Argo CD project and application and the ServiceAccount. */
  readonly name: string;
  /**
   * The namespace the app's workloads run in, created with the app.
   * @default - the app's name
   */
  readonly namespace?: string;
  /**
   * The named set of NetworkPolicies the app gets on top of default deny, its own namespace and DNS:
   * `web-app` (gateways in, internet out), `web-app-internal` (gateways in, nothing out),
   * `media-server` (as `web-app`, plus BitTorrent in from anywhere) or `worker` (internet out only).
   */
  readonly profile: NetworkProfile;
  /**
   * The inbound BitTorrent port, open to anyone on TCP and UDP; required for `media-server` and only
   * allowed there.
   * @default - none
   */
  readonly torrentPort?: number;
  /**
   * An exception from the `restricted` Pod Security level, with the reason.
   * @default - `restricted` enforced, audited and warned
   */
  readonly podSecurity?: PodSecurityException;
  /** Where Argo CD takes the workloads from: a Helm chart or a Git path. */
  readonly source: AppSource;
  /**
   * The hostnames the app answers on, each an HTTPRoute on a gateway and an ingress allowance for its proxies.
   * @default - reachable through no gateway
   */
  readonly exposures?: readonly AppExposure[];
  /**
   * The gateway the Cloudflare tunnel sends to: exposures on it (same name and namespace) are public.
   * @default - no exposure is public
   */
  readonly publicGateway?: GatewayRef;
  /**
   * The Cloudflare Zero Trust team whose Access tokens the gateway checks on exposures with `access: true`:
   * the `<team>` of `<team>.cloudflareaccess.com`. Required when an exposure sets `access: true`.
   * @default - none
   */
  readonly accessTeamName?: string;
  /**
   * Apps this one calls, by object; the same as calling `allowTo` for each after construction.
   * @default - none
   */
  readonly allowTo?: readonly HomelabApp[];
  /**
   * The cluster's telemetry collector (`Lgtm.collector`): it may scrape the app's pods, and they may
   * send it OTLP traces, metrics and logs.
   * @default - no telemetry paths through the app's NetworkPolicies
   */
  readonly telemetry?: TelemetryCollectorRef;
  /** Where Argo CD runs; the AppProject and Application go there. @default "argocd" */
  readonly argoNamespace?: string;
}

/** The namespaced kinds an app's own source may create through Argo CD. */
export const appKinds: readonly { readonly group: string; readonly kind: string }[] = [
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "Secret" },
  { group: "", kind: "Service" },
  { group: "", kind: "ServiceAccount" },
  { group: "", kind: "PersistentVolumeClaim" },
  { group: "", kind: "Pod" },
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "apps", kind: "DaemonSet" },
  { group: "batch", kind: "Job" },
  { group: "batch", kind: "CronJob" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
  { group: "policy", kind: "PodDisruptionBudget" },
];

/** Argo CD's name for the cluster it runs in. */
const inClusterServer = "https://kubernetes.default.svc";

/**
 * One app workload: its namespace (Pod Security Admission, gateway attach labels), an Argo CD project
 * confined to that namespace and the app's repository, the Application syncing it, a ServiceAccount
 * without an API token, the NetworkPolicies of its profile, and an HTTPRoute per exposure.
 */
export class HomelabApp extends Construct {
  /** The app's name (`props.name`). */
  public readonly name: string;
  /** The namespace the app's workloads, ServiceAccount, NetworkPolicies and routes are in. */
  public readonly namespace: string;
  /** The app's network profile. */
  public readonly profile: NetworkProfile;
  /** The exposures on `publicGateway`, for the edge. */
  public readonly publicExposures: readonly PublicExposure[];
  private readonly callees = new Set<HomelabApp>();

  /**
   * Adds the app's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming every invalid prop (names that are not DNS labels, a missing source, a torrent
   * port outside `media-server`, a public exposure without an Access decision, ...) before adding anything
   */
  public constructor(scope: Construct, id: string, props: HomelabAppProps) {
    super(scope, id);
    const problems = homelabAppProblems(props);
    if (problems.length > 0) {
      throw new Error(`HomelabApp ${JSON.stringify(props.name)}: ${problems.join("; ")}`);
    }

    this.name = props.name;
    this.namespace = props.namespace ?? props.name;
    this.profile = props.profile;
    const exposures = props.exposures ?? [];
    const argoNamespace = props.argoNamespace ?? "argocd";

    this.addNamespace(props.podSecurity, exposures);
    new k8s.KubeServiceAccount(this, "service-account", {
      metadata: { name: this.name, namespace: this.namespace },
      automountServiceAccountToken: false,
    });
    this.addArgoCd(props.source, argoNamespace);
    addProfilePolicies(this, {
      namespace: this.namespace,
      profile: this.profile,
      gatewayIngress: gatewayIngress(exposures),
      torrentPort: props.torrentPort,
      collector: props.telemetry,
    });
    for (const exposure of exposures) this.addRoute(exposure, props.accessTeamName);

    this.publicExposures = exposures
      .filter((exposure) => sameGateway(exposure.gateway, props.publicGateway))
      .map((exposure) => ({ host: exposure.host, access: exposure.access === true }));
    for (const callee of props.allowTo ?? []) this.allowTo(callee);
  }

  /**
   * Lets this app's pods open connections, on any port, to every pod of `callee`'s namespace: an egress
   * policy here and the matching ingress policy in `callee` (created in its scope, so it lands in its
   * chart). Replies need nothing; the reverse direction stays closed. Call it after both apps exist,
   * in any order, which also allows cycles.
   */
  public allowTo(callee: HomelabApp): void {
    if (callee.namespace === this.namespace) {
      throw new Error(
        `HomelabApp ${JSON.stringify(this.name)}: allowTo ${JSON.stringify(callee.name)} shares its namespace ${this.namespace}, where traffic is already allowed — remove it`,
      );
    }
    if (this.callees.has(callee)) {
      throw new Error(
        `HomelabApp ${JSON.stringify(this.name)}: allowTo ${JSON.stringify(callee.name)} is given twice — name each app once`,
      );
    }
    this.callees.add(callee);
    this.allowEgressTo(callee.namespace);
    callee.allowIngressFrom(this.namespace);
  }

  /**
   * One half of `allowTo`, for when the callee is synthesized elsewhere (another chart or process):
   * this app's pods may open connections to every pod of `namespace`. The other side must call
   * `allowIngressFrom` with this app's namespace, or the calls are refused there.
   */
  public allowEgressTo(namespace: string): void {
    addNetworkPolicy(this, this.namespace, `allow-egress-to-${namespace}`, {
      policyTypes: ["Egress"],
      egress: [{ to: [namespacePeer(namespace)] }],
    });
  }

  /** The other half of `allowTo`: every pod of `namespace` may open connections to this app's pods. */
  public allowIngressFrom(namespace: string): void {
    addNetworkPolicy(this, this.namespace, `allow-ingress-from-${namespace}`, {
      policyTypes: ["Ingress"],
      ingress: [{ from: [namespacePeer(namespace)] }],
    });
  }

  private addNamespace(podSecurity: PodSecurityException | undefined, exposures: readonly AppExposure[]) {
    const level: PodSecurityLevel = podSecurity?.level ?? "restricted";
    const labels: Record<string, string> = {
      "pod-security.kubernetes.io/enforce": level,
      // Audit and warn stay at restricted so that what an exception lets through remains visible.
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    };
    for (const { gateway } of exposures) {
      const { key, value } = gateway.attachLabel;
      if (labels[key] !== undefined && labels[key] !== value) {
        throw new Error(
          `HomelabApp ${JSON.stringify(this.name)}: gateways ask for namespace label ${key}=${labels[key]} and ${key}=${value} — give each gateway its own attachLabel key`,
        );
      }
      labels[key] = value;
    }
    const namespace = new k8s.KubeNamespace(this, "namespace", {
      metadata: {
        name: this.namespace,
        labels,
        annotations: podSecurity ? { "homelab.dev/pod-security-reason": podSecurity.reason } : undefined,
      },
    });
    // Cluster-scoped: drop the namespace a Chart with a default namespace stamps on every object.
    if (Chart.of(this).namespace) namespace.addJsonPatch(JsonPatch.remove("/metadata/namespace"));
  }

  private addArgoCd(source: AppSource, argoNamespace: string) {
    const repoUrl = applicationSource(this.name, source).repoUrl;
    new AppProject(this, "project", {
      metadata: { name: this.name, namespace: argoNamespace },
      spec: {
        description: `The ${this.name} app: its own repository, into namespace ${this.namespace} only`,
        sourceRepos: [repoUrl],
        destinations: [{ server: inClusterServer, namespace: this.namespace }],
        // Nothing cluster-scoped, and of the namespaced kinds only workloads and their own data: no RBAC
        // (an app must not grant itself the API), no NetworkPolicy (the profile is its network boundary),
        // no routes (hostnames and their Access decisions come from the inventory).
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: appKinds.map(({ group, kind }) => ({ group, kind })),
      },
    });
    // No resources finalizer: the app owns namespaced objects only, and deleting its namespace removes them.
    new Application(this, "application", {
      metadata: { name: this.name, namespace: argoNamespace },
      spec: {
        project: this.name,
        source: applicationSource(this.name, source),
        destination: { server: inClusterServer, namespace: this.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
          // The namespace is ours, with its labels; Argo CD must not create a bare one first.
          syncOptions: ["CreateNamespace=false", "PrunePropagationPolicy=foreground", "PruneLast=true"],
        },
      },
    });
  }

  private addRoute(exposure: AppExposure, accessTeamName: string | undefined) {
    const route = gatewayRoute(this, `route-${exposure.host}`, {
      name: exposure.host,
      namespace: this.namespace,
      gateway: exposure.gateway,
      hostname: exposure.host,
      service: exposure.service,
      port: exposure.port,
    });
    if (exposure.access !== true) return;
    // The props were checked: both are there whenever access is true.
    const policy = cloudflareAccessPolicy(this, `access-${exposure.host}`, {
      route: exposure.host,
      namespace: this.namespace,
      teamName: accessTeamName!,
      audience: exposure.accessAudience!,
    });
    // The route is created only once its policy exists, and deleted before it: never served without it.
    route.metadata.addAnnotation(
      "config.kubernetes.io/depends-on",
      `${SecurityPolicy.GVK.apiVersion.split("/")[0]}/namespaces/${this.namespace}/${SecurityPolicy.GVK.kind}/${policy.name}`,
    );
  }
}

/**
 * Argo CD's source for the app. A chart in an OCI registry uses Argo CD's native OCI form: the chart's
 * full reference as `repoURL` and `path: "."`; `oci://` with a separate `chart` is not a form it reads.
 */
function applicationSource(name: string, source: AppSource): ApplicationSpecSource {
  if (source.helm && source.helm.repoUrl.startsWith("oci://")) {
    const { repoUrl, chart, version, values } = source.helm;
    return {
      repoUrl: `${repoUrl.replace(/\/+$/, "")}/${chart}`,
      path: ".",
      targetRevision: version,
      helm: { releaseName: name, valuesObject: values },
    };
  }
  if (source.helm) {
    const { repoUrl, chart, version, values } = source.helm;
    return {
      repoUrl,
      chart,
      targetRevision: version,
      helm: { releaseName: name, valuesObject: values },
    };
  }
  const { repoUrl, path, revision } = source.git;
  return { repoUrl, path, targetRevision: revision ?? "HEAD" };
}

/** The pod ports each gateway reaches, one entry per gateway in the order of first exposure. */
function gatewayIngress(exposures: readonly AppExposure[]) {
  const byGateway = new Map<string, { gateway: GatewayRef; ports: Set<number> }>();
  for (const exposure of exposures) {
    const key = `${exposure.gateway.namespace}/${exposure.gateway.name}`;
    const entry = byGateway.get(key) ?? { gateway: exposure.gateway, ports: new Set<number>() };
    entry.ports.add(exposure.targetPort ?? exposure.port);
    byGateway.set(key, entry);
  }
  return [...byGateway.values()].map(({ gateway, ports }) => ({
    gateway,
    ports: [...ports].sort((a, b) => a - b),
  }));
}
