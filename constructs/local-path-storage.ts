import { Construct } from "constructs";
import { pins } from "../pins";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  PlatformComponent,
} from "./platform-component";
import { addComponentPolicies, apiServerEgress, type KubernetesApiAccess } from "./platform-policies";

/** Configuration of `LocalPathStorage`; every field is optional. */
export interface LocalPathStorageProps {
  /**
   * The directory on every node that holds the volumes; it must be under /var, Talos's only writable filesystem.
   * @default "/var/mnt/local-path-provisioner"
   */
  readonly hostPath?: string;
  /**
   * The name of the StorageClass created.
   * @default "local-path"
   */
  readonly storageClassName?: string;
  /**
   * Whether PVCs that name no StorageClass get this one.
   * @default true
   */
  readonly isDefault?: boolean;
  /**
   * The namespace the provisioner runs in.
   * @default "local-path-storage"
   */
  readonly namespace?: string;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS and
   * the provisioner's calls to the API.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
}

/** A directory the Talos layer must bind-mount into the kubelet, in the shape of Talos `kubelet.extraMounts`. */
export interface KubeletHostMount {
  /** The directory on the host. */
  readonly source: string;
  /** Where the kubelet sees it: the same path, so hostPath volumes resolve. */
  readonly destination: string;
  /** Mount options, e.g. `bind`, `rshared`, `rw`. */
  readonly options: readonly string[];
}

/**
 * Node-local persistent volumes from Rancher's local-path-provisioner, so PVCs bind on Talos nodes without
 * a storage system. Volumes live on one node's disk and follow it: a workload using one stays on that node.
 */
export class LocalPathStorage extends Construct implements PlatformComponent {
  /** Privileged: the provisioner's helper pods create and delete volume directories through hostPath. */
  readonly namespace: ComponentNamespace;
  /** The local-path-provisioner chart. */
  readonly helmCharts: readonly HelmChart[];
  /** The StorageClass PVCs name to get a node-local volume. */
  readonly storageClassName: string;
  /** The kubelet runs in a container on Talos, so it sees the volume directory only through this mount. */
  readonly hostMount: KubeletHostMount;
  /**
   * The provisioner. Its helper pods (which make and remove volume directories through hostPath, and use
   * no network) carry the same labels: the chart's helperPod template copies them.
   */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds local-path-provisioner's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (hostPath, storageClassName), before adding anything
   */
  constructor(scope: Construct, id: string, props: LocalPathStorageProps = {}) {
    super(scope, id);
    const hostPath = props.hostPath ?? "/var/mnt/local-path-provisioner";
    const namespace = props.namespace ?? "local-path-storage";
    this.storageClassName = props.storageClassName ?? "local-path";
    checkProps(this.node.path, hostPath, this.storageClassName);
    this.namespace = { name: namespace, podSecurity: "privileged" };
    // rshared: mounts the kubelet makes under the directory must propagate between the host and its container.
    this.hostMount = { source: hostPath, destination: hostPath, options: ["bind", "rshared", "rw"] };

    const resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };
    this.helmCharts = [
      {
        repository: "https://charts.containeroo.ch",
        name: "local-path-provisioner",
        version: pins.charts.localPathProvisioner,
        release: "local-path-provisioner",
        namespace,
        values: {
          storageClass: {
            create: true,
            name: this.storageClassName,
            defaultClass: props.isDefault ?? true,
            reclaimPolicy: "Delete",
            // Bind only once the pod is scheduled, so the volume is made on the node the pod runs on.
            volumeBindingMode: "WaitForFirstConsumer",
          },
          nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [hostPath] }],
          resources,
          helperPod: { resources },
          // The chart's default is busybox:latest; pinned so that a render says what runs.
          helperImage: { repository: "docker.io/library/busybox", tag: pins.images.busybox },
        },
      },
    ];
    // The chart's selector labels: its name, and the release.
    const provisioner: ComponentWorkload = {
      name: "provisioner",
      podLabels: {
        "app.kubernetes.io/name": "local-path-provisioner",
        "app.kubernetes.io/instance": this.helmCharts[0].release,
      },
    };
    this.workloads = [provisioner];
    if (props.apiServer) {
      // It watches PVCs and creates PVs and helper pods; nothing calls it.
      addComponentPolicies(this, {
        namespace,
        policies: [{ workload: provisioner, egress: [apiServerEgress(props.apiServer)] }],
      });
    }
  }
}

const storageClassNamePattern =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkProps(path: string, hostPath: string, storageClassName: string): void {
  const underVar = /^\/var(\/[^/]+)+$/.test(hostPath) && !/\/\.\.?(\/|$)/.test(hostPath);
  if (!underVar) {
    throw new Error(
      `${path}: hostPath "${hostPath}" must be an absolute path under /var (Talos's root filesystem is read-only), ` +
        `such as /var/mnt/local-path-provisioner`,
    );
  }
  if (!storageClassNamePattern.test(storageClassName)) {
    throw new Error(
      `${path}: storageClassName "${storageClassName}" must be a DNS subdomain: lowercase letters, digits, '-' and '.'`,
    );
  }
}
