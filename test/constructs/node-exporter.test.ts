import { Testing } from "cdk8s";
import { NodeExporter, nodeExporterMountPointsExclude } from "../../constructs/node-exporter";
import { addComponentPolicies } from "../../constructs/platform-policies";
import { pins } from "../../pins";
import { validateManifest } from "../support/k8s-schema";
import { podSecurityLevel, podSecurityViolations } from "../support/pod-security";
import { workloadProblems } from "../support/workload-security";

// Kubernetes manifests are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

function synth(namespace?: string) {
  const chart = Testing.chart();
  const exporter = new NodeExporter(
    chart,
    "node-exporter",
    namespace === undefined ? undefined : { namespace },
  );
  return { exporter, objects: Testing.synth(chart) as Manifest[] };
}

describe("NodeExporter", () => {
  const { exporter, objects } = synth();
  const daemonSet = objects.find((object) => object.kind === "DaemonSet");
  const pod = daemonSet.spec.template.spec;
  const [container] = pod.containers;
  /** The value of `--<flag>=` in the container's arguments. */
  const flag = (name: string): string | undefined =>
    (container.args as string[]).find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

  it("synthesizes a ServiceAccount and a DaemonSet in kube-system, each schema-valid", () => {
    expect(
      objects.map((object) => `${object.kind}/${object.metadata.name} in ${object.metadata.namespace}`),
    ).toEqual(["ServiceAccount/node-exporter in kube-system", "DaemonSet/node-exporter in kube-system"]);
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
    expect(exporter.namespace).toBe("kube-system");
    expect(objects).toMatchSnapshot();
  });

  it("goes to the namespace it is given", () => {
    const elsewhere = synth("monitoring").objects;
    expect(elsewhere.map((object) => object.metadata.namespace)).toEqual(["monitoring", "monitoring"]);
    expect(() => synth("Kube_System")).toThrow('namespace "Kube_System" must be a DNS label');
  });

  it("runs the pinned image on every node: host network and PIDs, every taint tolerated, node-critical", () => {
    expect(container.image).toBe(`quay.io/prometheus/node-exporter:${pins.images.nodeExporter}`);
    expect(pod).toMatchObject({
      hostNetwork: true,
      hostPID: true,
      priorityClassName: "system-node-critical",
      tolerations: [{ operator: "Exists" }],
      automountServiceAccountToken: false,
      serviceAccountName: "node-exporter",
    });
    expect(exporter.workload).toEqual({
      name: "node-exporter",
      podLabels: { "app.kubernetes.io/name": "node-exporter" },
      hostNetwork: true,
    });
    expect(daemonSet.spec.selector.matchLabels).toEqual(exporter.workload.podLabels);
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(exporter.workload.podLabels);
  });

  it("needs Pod Security privileged only for the host namespaces, host port and hostPath volumes", () => {
    expect(podSecurityLevel(daemonSet)).toBe("privileged");
    expect(podSecurityViolations(daemonSet, "baseline")).toEqual([
      "hostNetwork=true",
      "hostPID=true",
      "container node-exporter: hostPort 9100",
      "volume proc: hostPath",
      "volume sys: hostPath",
      "volume root: hostPath",
    ]);
    // Beyond baseline only the hostPath volumes' type: the process itself is as restricted as can be.
    expect(podSecurityViolations(daemonSet, "restricted").slice(6)).toEqual([
      "volume proc: type hostPath",
      "volume sys: type hostPath",
      "volume root: type hostPath",
    ]);
    expect(workloadProblems(daemonSet)).toEqual([]);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("mounts /proc, /sys and / read-only, and points node-exporter at them", () => {
    expect(pod.volumes).toEqual([
      { name: "proc", hostPath: { path: "/proc", type: "Directory" } },
      { name: "sys", hostPath: { path: "/sys", type: "Directory" } },
      { name: "root", hostPath: { path: "/", type: "Directory" } },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: "proc", mountPath: "/host/proc", readOnly: true },
      { name: "sys", mountPath: "/host/sys", readOnly: true, mountPropagation: "HostToContainer" },
      { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
    ]);
    expect(flag("path.procfs")).toBe("/host/proc");
    expect(flag("path.sysfs")).toBe("/host/sys");
    expect(flag("path.rootfs")).toBe("/host/root");
    expect(flag("path.udev.data")).toBe("/host/root/run/udev/data");
    expect(flag("collector.filesystem.mount-points-exclude")).toBe(nodeExporterMountPointsExclude);
  });

  it("listens on 9100, the declared metrics port its probes use", () => {
    expect(flag("web.listen-address")).toBe(":9100");
    expect(container.ports).toEqual([
      { name: "metrics", containerPort: 9100, hostPort: 9100, protocol: "TCP" },
    ]);
    expect(exporter.port).toBe(9100);
    const declared = container.ports.map((port: Manifest) => port.name);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet.path).toBe("/");
      expect(declared).toContain(probe.httpGet.port);
    }
  });

  it("is refused any NetworkPolicy rule: host-networked pods are outside NetworkPolicy", () => {
    const chart = Testing.chart();
    expect(() =>
      addComponentPolicies(chart, {
        namespace: "kube-system",
        policies: [{ workload: exporter.workload, egress: [{ to: [{ podSelector: {} }] }] }],
      }),
    ).toThrow("host-networked pods are outside NetworkPolicy");
  });
});

describe("NodeExporter's filesystem collector on Talos", () => {
  const excluded = new RegExp(nodeExporterMountPointsExclude);

  // Talos v1.13: EPHEMERAL at /var, user volumes under /var/mnt, STATE at /system/state
  // (pkg/machinery/constants), the tmpfs at /run, /system and /tmp.
  it.each(["/var", "/var/mnt/local-path-provisioner", "/system/state", "/run", "/system", "/tmp"])(
    "reports %s",
    (mountPoint) => {
      expect(excluded.test(mountPoint)).toBe(false);
    },
  );

  it.each([
    "/dev",
    "/dev/shm",
    "/proc",
    "/sys",
    "/sys/fs/cgroup",
    "/etc/hosts",
    "/etc/kubernetes",
    "/var/lib/kubelet/pods/8f1d/volumes/kubernetes.io~projected/kube-api-access-x2x9z",
    "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/4b2c/shm",
    "/run/containerd/io.containerd.runtime.v2.task/k8s.io/4b2c/rootfs",
    "/system/run/containerd/io.containerd.runtime.v2.task/system/apid/rootfs",
    "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs",
  ])("leaves out %s", (mountPoint) => {
    expect(excluded.test(mountPoint)).toBe(true);
  });
});
