import { k8s } from "cdk8s-plus-30";
import { Construct } from "constructs";
import { pins } from "../pins";
import type { ComponentWorkload } from "./platform-component";
import { containerQuantities, restrictedContainerSecurity, restrictedPodSecurity } from "./pod-defaults";

/** Configuration of `NodeExporter`; every field is optional. */
export interface NodeExporterProps {
  /**
   * The namespace node-exporter runs in. Its pods use the host's network, PIDs and filesystems, which only
   * Pod Security `privileged` admits: Talos exempts `kube-system` from Pod Security, any other namespace
   * must enforce `privileged`.
   * @default "kube-system"
   */
  readonly namespace?: string;
}

/** The ServiceAccount's and the DaemonSet's name. */
const name = "node-exporter";
/** The port node-exporter listens on, on every node's addresses (host network). */
export const nodeExporterPort = 9100;
/** The `nobody` user the image runs as. */
const nobody = 65534;
const podLabels = { "app.kubernetes.io/name": name };

/**
 * Mount points the filesystem collector leaves out: the kernel's pseudo filesystems, and on Talos the
 * mounts Kubernetes makes per pod — projected and memory volumes under /var/lib/kubelet, sandboxes' shm
 * and containers' roots under /run/containerd (the CRI's) and /system/run (Talos's own containerd) — and
 * Talos's binds over single files of /etc. What stays: the EPHEMERAL partition at /var, user volumes under
 * /var/mnt, STATE at /system/state, and the tmpfs at /run, /system and /tmp. The read-only squashfs at /
 * and the overlays are left out by the collector's default filesystem types.
 */
export const nodeExporterMountPointsExclude =
  "^/(dev|proc|sys|etc/.+|run/containerd/.+|system/run/.+|var/lib/containerd/.+|var/lib/kubelet/.+)($|/)";

/**
 * The host paths node-exporter reads, read-only, and where it sees them: `/proc` (with the host's PIDs,
 * PID 1's mount table), `/sys`, and the host's root for the filesystem collector's `statfs` calls.
 */
const hostMounts = [
  { volume: "proc", hostPath: "/proc", mountPath: "/host/proc", flag: "--path.procfs" },
  { volume: "sys", hostPath: "/sys", mountPath: "/host/sys", flag: "--path.sysfs" },
  { volume: "root", hostPath: "/", mountPath: "/host/root", flag: "--path.rootfs" },
] as const;

/**
 * Prometheus' node-exporter on every node, control planes included: the hosts' CPU, memory, disks,
 * filesystems and network. It runs on the host network and with the host's PIDs, reading /proc, /sys and
 * the root filesystem through read-only hostPath mounts, as `nobody` with no capabilities, so the pods
 * need Pod Security `privileged` (host namespaces and hostPath) though the process has no privilege.
 * Host-networked pods are outside NetworkPolicy: the collector reaches it at each node's address.
 */
export class NodeExporter extends Construct {
  /** The namespace it runs in. */
  readonly namespace: string;
  /** Its pods, host-networked. */
  readonly workload: ComponentWorkload;
  /** The port (named `metrics`) it serves `/metrics` on, at each node's address. */
  readonly port = nodeExporterPort;

  /**
   * Adds node-exporter's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error when `namespace` is not a DNS label, before adding anything
   */
  constructor(scope: Construct, id: string, props: NodeExporterProps = {}) {
    super(scope, id);
    const namespace = props.namespace ?? "kube-system";
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new Error(`${this.node.path}: namespace "${namespace}" must be a DNS label such as kube-system`);
    }
    this.namespace = namespace;
    this.workload = { name, podLabels, hostNetwork: true };
    const labels = { ...podLabels, "app.kubernetes.io/component": "exporter" };

    // It reads the host, never the API.
    new k8s.KubeServiceAccount(this, "service-account", {
      metadata: { name, namespace, labels },
      automountServiceAccountToken: false,
    });

    const resources = containerQuantities("20m", "32Mi", "250m", "128Mi");
    const metricsPort = k8s.IntOrString.fromString("metrics");
    new k8s.KubeDaemonSet(this, "daemon-set", {
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: { ...podLabels } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPid: true,
            priorityClassName: "system-node-critical",
            nodeSelector: { "kubernetes.io/os": "linux" },
            // Every node, whatever its taints: Talos taints control planes unless they schedule workloads.
            tolerations: [{ operator: "Exists" }],
            securityContext: restrictedPodSecurity(nobody),
            containers: [
              {
                name,
                image: `quay.io/prometheus/node-exporter:${pins.images.nodeExporter}`,
                args: [
                  ...hostMounts.map((mount) => `${mount.flag}=${mount.mountPath}`),
                  // udev's device properties, for the disk collectors' labels.
                  "--path.udev.data=/host/root/run/udev/data",
                  `--web.listen-address=:${nodeExporterPort}`,
                  `--collector.filesystem.mount-points-exclude=${nodeExporterMountPointsExclude}`,
                ],
                // On the host network the host port is the container port; stated as the API stores it.
                ports: [
                  {
                    name: "metrics",
                    containerPort: nodeExporterPort,
                    hostPort: nodeExporterPort,
                    protocol: "TCP",
                  },
                ],
                // `/` is its landing page: it answers once the HTTP server runs, without a scrape's cost.
                livenessProbe: { httpGet: { path: "/", port: metricsPort }, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: "/", port: metricsPort }, timeoutSeconds: 5 },
                resources,
                securityContext: restrictedContainerSecurity(nobody),
                volumeMounts: hostMounts.map((mount) => ({
                  name: mount.volume,
                  mountPath: mount.mountPath,
                  readOnly: true,
                  // Mounts the host makes later (a user volume, a remounted /var) show up too.
                  ...(mount.volume === "proc" ? {} : { mountPropagation: "HostToContainer" }),
                })),
              },
            ],
            volumes: hostMounts.map((mount) => ({
              name: mount.volume,
              hostPath: { path: mount.hostPath, type: "Directory" },
            })),
          },
        },
      },
    });
  }
}
