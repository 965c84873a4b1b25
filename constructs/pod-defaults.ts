import { k8s } from "cdk8s-plus-30";

/** Requests and limits as a container spec takes them. */
export function containerQuantities(
  cpuRequest: string,
  memoryRequest: string,
  cpuLimit: string,
  memoryLimit: string,
): k8s.ResourceRequirements {
  const quantity = k8s.Quantity.fromString;
  return {
    requests: { cpu: quantity(cpuRequest), memory: quantity(memoryRequest) },
    limits: { cpu: quantity(cpuLimit), memory: quantity(memoryLimit) },
  };
}

/**
 * The container security context of Pod Security `restricted` for a container that runs as `uid` (and
 * group): non-root, no privilege, no escalation, no capabilities, a read-only root filesystem, the
 * runtime's default seccomp profile.
 */
export function restrictedContainerSecurity(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The pod security context of Pod Security `restricted` for pods whose containers run as `uid`. */
export function restrictedPodSecurity(uid: number): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}
