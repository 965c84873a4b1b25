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
  readonly version: string;
  /** The Helm release name. */
  readonly release: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

/** Pod Security Admission levels, strictest last. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface ComponentNamespace {
  readonly name: string;
  /** The level enforced on the namespace; anything below `restricted` says why in the construct. */
  readonly podSecurity: PodSecurityLevel;
  /** Further labels the namespace needs, such as a gateway's attach label for the component's routes. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PlatformComponent {
  readonly namespace: ComponentNamespace;
  /** In install order; empty for a component made only of its own objects. */
  readonly helmCharts: readonly HelmChart[];
}

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
