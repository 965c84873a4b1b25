type Json = Record<string, unknown>;

const workloadKinds = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/** A workload may keep a writable root filesystem only with this annotation saying why. */
export const writableRootReasonAnnotation = "homelab.dev/writable-root-filesystem";

const asRecord = (value: unknown): Json =>
  value !== null && typeof value === "object" ? (value as Json) : {};

function podSpecOf(object: Json): Json | undefined {
  const spec = asRecord(object.spec);
  switch (object.kind) {
    case "Pod":
      return spec;
    case "CronJob":
      return asRecord(asRecord(asRecord(asRecord(spec.jobTemplate).spec).template).spec);
    default:
      return asRecord(asRecord(spec.template).spec);
  }
}

/**
 * What a workload the project defines must have: requests and limits, probes, non-root, no privilege
 * escalation, and a read-only root filesystem unless an annotation gives the reason.
 */
export function workloadProblems(object: Json): string[] {
  if (!workloadKinds.includes(String(object.kind))) return [];
  const metadata = asRecord(object.metadata);
  const subject = `${String(object.kind)}/${String(metadata.name)}`;
  const pod = podSpecOf(object)!;
  const podContext = asRecord(pod.securityContext);
  const writableRootReason = asRecord(metadata.annotations)[writableRootReasonAnnotation];
  const problems: string[] = [];
  const containers = [
    ...((pod.initContainers as Json[] | undefined) ?? []).map((container) => ({ container, init: true })),
    ...((pod.containers as Json[] | undefined) ?? []).map((container) => ({ container, init: false })),
  ];
  if (containers.length === 0) problems.push(`${subject}: has no containers`);
  for (const { container, init } of containers) {
    const at = `${subject} container ${String(container.name)}`;
    const resources = asRecord(container.resources);
    const requests = asRecord(resources.requests);
    const limits = asRecord(resources.limits);
    if (requests.cpu === undefined || requests.memory === undefined)
      problems.push(`${at}: no cpu and memory requests`);
    if (limits.memory === undefined) problems.push(`${at}: no memory limit`);
    // A Job's pod runs to completion: nothing routes to it, and its deadline bounds it instead of a probe.
    const runsToCompletion = object.kind === "Job" || object.kind === "CronJob";
    if (
      !init &&
      !runsToCompletion &&
      (container.readinessProbe === undefined || container.livenessProbe === undefined)
    ) {
      problems.push(`${at}: needs a readiness and a liveness probe`);
    }
    const context = asRecord(container.securityContext);
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${at}: may run as root`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${at}: allows privilege escalation`);
    if (context.privileged === true) problems.push(`${at}: is privileged`);
    if (context.readOnlyRootFilesystem !== true && typeof writableRootReason !== "string") {
      problems.push(
        `${at}: has a writable root filesystem and no ${writableRootReasonAnnotation} annotation saying why`,
      );
    }
  }
  return problems;
}

/** Secret values reach the cluster only through Pulumi; a rendered Secret carries none. */
export function secretProblems(object: Json): string[] {
  if (object.kind !== "Secret") return [];
  const name = String(asRecord(object.metadata).name);
  return ["data", "stringData"]
    .filter((key) => object[key] !== undefined)
    .map((key) => `Secret/${name}: carries ${key}`);
}
