import type { PodSecurityLevel } from "../../constructs/platform-component";

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
const asList = (value: unknown): Json[] => (Array.isArray(value) ? value.map(asRecord) : []);

/** Capabilities `baseline` lets a container add (the container runtimes' defaults). */
const baselineCapabilities = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];
const baselineSelinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const safeSysctls = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
];
/** The only volume types `restricted` admits. */
const restrictedVolumeTypes = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** The pod template of a workload object (or the pod itself); undefined for anything else. */
function podOf(object: Json): { metadata: Json; spec: Json } | undefined {
  const spec = asRecord(object.spec);
  switch (object.kind) {
    case "Pod":
      return { metadata: asRecord(object.metadata), spec };
    case "CronJob": {
      const template = asRecord(asRecord(asRecord(spec.jobTemplate).spec).template);
      return { metadata: asRecord(template.metadata), spec: asRecord(template.spec) };
    }
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job": {
      const template = asRecord(spec.template);
      return { metadata: asRecord(template.metadata), spec: asRecord(template.spec) };
    }
    default:
      return undefined;
  }
}

/**
 * What keeps a pod from a Pod Security Standards level, as the `latest` checks of Kubernetes' Pod
 * Security admission (k8s.io/pod-security-admission/policy) define the levels: `baseline` forbids host
 * namespaces, privileged containers, added capabilities beyond the runtime's defaults, hostPath volumes,
 * host ports, unconfined AppArmor or seccomp, custom SELinux users, roles and types, unmasked /proc and
 * unsafe sysctls; `restricted` adds volume types, no privilege escalation, non-root, RuntimeDefault or
 * Localhost seccomp, and every capability dropped but NET_BIND_SERVICE. Empty when the pod meets `level`.
 */
export function podSecurityViolations(object: Json, level: PodSecurityLevel): string[] {
  const pod = podOf(object);
  if (!pod || level === "privileged") return [];
  const { metadata, spec } = pod;
  const podContext = asRecord(spec.securityContext);
  const containers = [
    ...asList(spec.initContainers),
    ...asList(spec.containers),
    ...asList(spec.ephemeralContainers),
  ];
  const contextOf = (container: Json) => asRecord(container.securityContext);
  const violations: string[] = [];
  const fail = (check: string) => violations.push(check);

  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[field] === true) fail(`${field}=true`);
  for (const container of containers) {
    const at = `container ${String(container.name)}`;
    const context = contextOf(container);
    if (context.privileged === true) fail(`${at}: privileged`);
    const added = (asRecord(context.capabilities).add ?? []) as string[];
    for (const capability of added) {
      if (!baselineCapabilities.includes(capability)) fail(`${at}: adds capability ${capability}`);
    }
    for (const port of asList(container.ports)) {
      if (typeof port.hostPort === "number" && port.hostPort !== 0) fail(`${at}: hostPort ${port.hostPort}`);
    }
    if (context.procMount !== undefined && context.procMount !== "Default") fail(`${at}: procMount`);
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      const handler = asRecord(container[probe]);
      for (const kind of ["httpGet", "tcpSocket"]) {
        if (asRecord(handler[kind]).host !== undefined) fail(`${at}: ${probe} names a host`);
      }
    }
  }
  for (const volume of asList(spec.volumes)) {
    if (volume.hostPath !== undefined) fail(`volume ${String(volume.name)}: hostPath`);
  }
  for (const context of [podContext, ...containers.map(contextOf)]) {
    if (asRecord(context.seccompProfile).type === "Unconfined") fail("seccomp Unconfined");
    if (asRecord(context.appArmorProfile).type === "Unconfined") fail("AppArmor Unconfined");
    const selinux = asRecord(context.seLinuxOptions);
    if (!baselineSelinuxTypes.includes(String(selinux.type ?? "")))
      fail(`SELinux type ${String(selinux.type)}`);
    if (selinux.user !== undefined || selinux.role !== undefined) fail("SELinux user or role");
  }
  for (const [key, value] of Object.entries(asRecord(metadata.annotations))) {
    if (
      key.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
      value !== "runtime/default" &&
      !String(value).startsWith("localhost/")
    ) {
      fail(`AppArmor annotation ${key}=${String(value)}`);
    }
  }
  for (const sysctl of asList(podContext.sysctls)) {
    if (!safeSysctls.includes(String(sysctl.name))) fail(`sysctl ${String(sysctl.name)}`);
  }
  if (level === "baseline") return violations;

  for (const volume of asList(spec.volumes)) {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (type === undefined || !restrictedVolumeTypes.includes(type)) {
      fail(`volume ${String(volume.name)}: type ${String(type)}`);
    }
  }
  const podSeccomp = asRecord(podContext.seccompProfile).type;
  for (const container of containers) {
    const at = `container ${String(container.name)}`;
    const context = contextOf(container);
    if (context.allowPrivilegeEscalation !== false) fail(`${at}: allowPrivilegeEscalation is not false`);
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) fail(`${at}: runAsNonRoot is not true`);
    if ((context.runAsUser ?? podContext.runAsUser) === 0) fail(`${at}: runAsUser 0`);
    const seccomp = asRecord(context.seccompProfile).type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") fail(`${at}: seccomp ${String(seccomp)}`);
    const capabilities = asRecord(context.capabilities);
    if (!((capabilities.drop ?? []) as string[]).includes("ALL")) fail(`${at}: does not drop ALL`);
    for (const capability of (capabilities.add ?? []) as string[]) {
      if (capability !== "NET_BIND_SERVICE") fail(`${at}: adds ${capability}`);
    }
  }
  return violations;
}

/** The strictest Pod Security level a workload's pods meet; undefined for an object that runs no pods. */
export function podSecurityLevel(object: Json): PodSecurityLevel | undefined {
  if (!podOf(object)) return undefined;
  if (podSecurityViolations(object, "restricted").length === 0) return "restricted";
  if (podSecurityViolations(object, "baseline").length === 0) return "baseline";
  return "privileged";
}
