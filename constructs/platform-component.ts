import type { Construct } from "constructs";

/**
 * What every platform construct shares: the upstream Helm chart(s) it needs installed before its
 * own objects, as data, and the namespace they live in. The Pulumi layer installs the charts; `render`
 * writes them to `helm/`.
 */
export interface HelmChart {
  /** An `https://` chart repository, or an `oci://` registry path holding the chart. */
  readonly repository: string;
  /** The chart's name in the repository. */
  readonly name: string;
  /** The exact chart version, pinned in `pins.ts` and kept current by Renovate. */
  readonly version: string;
  /** The Helm release name. */
  readonly release: string;
  /** The namespace the release is installed into: the component's own. */
  readonly namespace: string;
  /** The chart values, as `helm install --values` takes them. */
  readonly values: Record<string, unknown>;
}

/** Pod Security Admission levels, strictest last. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * The namespace a platform component runs in, as the component needs it: the construct does not create
 * it (the caller does, e.g. one Namespace object per component), so it says which name, labels and
 * Pod Security level it needs.
 */
export interface ComponentNamespace {
  /** The namespace's name. */
  readonly name: string;
  /** The level enforced on the namespace; anything below `restricted` says why in the construct. */
  readonly podSecurity: PodSecurityLevel;
  /** Further labels the namespace needs, such as a gateway's attach label for the component's routes. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * One kind of pod a component runs, as NetworkPolicies see it: what the component's policies select and
 * what the cluster's who-may-talk-to-whom matrix lists.
 */
export interface ComponentWorkload {
  /** What a reader calls it: `controller`, `webhook`, `speaker`. */
  readonly name: string;
  /** Labels that select exactly these pods within the component's namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Host-networked pods (MetalLB's speaker, Cilium's agent) share the node's address: NetworkPolicy does
   * not apply to them at all.
   * @default false
   */
  readonly hostNetwork?: boolean;
}

/**
 * Implemented by every platform construct (`MetalLb`, `CertManager`, `EnvoyGateway`, `LocalPathStorage`,
 * `Cloudflared`, `ArgoCd`, `Lgtm`), so callers can create namespaces and install charts uniformly.
 */
export interface PlatformComponent {
  /** The namespace the component's charts and objects live in, and what it must look like. */
  readonly namespace: ComponentNamespace;
  /** In install order; empty for a component made only of its own objects. */
  readonly helmCharts: readonly HelmChart[];
  /**
   * The pods the component runs, each selectable by labels, for NetworkPolicies and their review.
   * @default - not described: its namespace is one opaque set of pods
   */
  readonly workloads?: readonly ComponentWorkload[];
}

/**
 * Where a component puts what Helm would have done in its charts' hooks, and its readiness gate, so that
 * a caller can apply them in their own phase (this project: a cdk8s Chart each, applied around the Helm
 * charts). A phase left out puts its objects among the component's own.
 */
export interface InstallPhases {
  /**
   * Objects to apply before the component's Helm charts: what their pre-install hooks make and the
   * charts' workloads mount (Envoy Gateway's certgen Job).
   */
  readonly beforeCharts?: Construct;
  /**
   * Objects to apply together with the Helm charts, neither waiting for them nor awaited by them, and
   * before the component's own objects: post-install hook replacements without which the charts'
   * workloads never become ready (Mimir's buckets in the MinIO its chart installs). A Job here retries
   * until what it needs from the charts answers, as a hook of a `helm install` without `--wait` would.
   */
  readonly withCharts?: Construct;
  /**
   * Objects to apply after the Helm charts and before the component's own objects: post-install hook
   * replacements and the readiness gate of an admission webhook (a Job the own objects wait for).
   */
  readonly afterCharts?: Construct;
}

/**
 * Marks an object the component's own software creates before the caller applies it (Argo CD's `default`
 * AppProject): the caller must patch the existing object, server-side and forcing field ownership, rather
 * than create it, which would fail on an object that already exists. The value is `"true"`.
 */
export const applyAsPatchAnnotation = "homelab-platform/apply-as-patch";

/** Requests and limits as Helm charts take them under `resources`. */
export function containerResources(
  cpuRequest: string,
  memoryRequest: string,
  cpuLimit: string,
  memoryLimit: string,
) {
  return {
    requests: { cpu: cpuRequest, memory: memoryRequest },
    limits: { cpu: cpuLimit, memory: memoryLimit },
  };
}
