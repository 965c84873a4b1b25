import { Chart, JsonPatch } from "cdk8s";
import { k8s } from "cdk8s-plus-30";
import { Construct } from "constructs";
import { pins } from "../pins";
import type { ComponentWorkload } from "./platform-component";
import { containerQuantities, restrictedContainerSecurity, restrictedPodSecurity } from "./pod-defaults";
import { apiServerEgress, type KubernetesApiAccess, type WorkloadPolicy } from "./platform-policies";

/** Configuration of `KubeStateMetrics`. */
export interface KubeStateMetricsProps {
  /** The namespace kube-state-metrics runs in: the telemetry collector's (`monitoring`). */
  readonly namespace: string;
}

/** Every object's name: the ServiceAccount, ClusterRole, ClusterRoleBinding, Deployment and Service. */
const name = "kube-state-metrics";
/** kube-state-metrics' own `--port`, serving the cluster's object metrics on `/metrics`, and `/livez`. */
export const kubeStateMetricsPort = 8080;
/** Its `--telemetry-port`, serving its own metrics and `/readyz`. */
export const kubeStateMetricsTelemetryPort = 8081;
/** The `nobody` user the upstream manifests run the image as. */
const nobody = 65534;
const podLabels = { "app.kubernetes.io/name": name };

/**
 * The resources kube-state-metrics v2 collects by default (`--resources` unset: `DefaultResources` in
 * upstream's pkg/options/resource.go), by API group as upstream's examples/standard/cluster-role.yaml
 * grants them. Nothing more: that manifest also lists opt-in collectors (roles, serviceaccounts,
 * endpoints, ingressclasses) and TokenReview/SubjectAccessReview creation for `--auth-filter`, which is off.
 */
const collectedResources: Readonly<Record<string, readonly string[]>> = {
  "": [
    "configmaps",
    "limitranges",
    "namespaces",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "pods",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "services",
  ],
  apps: ["daemonsets", "deployments", "replicasets", "statefulsets"],
  batch: ["cronjobs", "jobs"],
  autoscaling: ["horizontalpodautoscalers"],
  policy: ["poddisruptionbudgets"],
  "certificates.k8s.io": ["certificatesigningrequests"],
  "discovery.k8s.io": ["endpointslices"],
  "storage.k8s.io": ["storageclasses", "volumeattachments"],
  "admissionregistration.k8s.io": [
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "validatingwebhookconfigurations",
  ],
  "networking.k8s.io": ["ingresses", "networkpolicies"],
  "coordination.k8s.io": ["leases"],
};

/**
 * Default collectors left out: listing Secrets and ConfigMaps hands kube-state-metrics every Secret's
 * data in the cluster for metrics of their names alone (`kube_secret_info`, `kube_configmap_info`).
 */
export const kubeStateMetricsOmittedResources: readonly string[] = ["configmaps", "secrets"];

/** The resources it collects (`--resources`): the defaults but the omitted ones, sorted. */
export const kubeStateMetricsResources: readonly string[] = Object.values(collectedResources)
  .flat()
  .filter((resource) => !kubeStateMetricsOmittedResources.includes(resource))
  .sort();

/** kube-state-metrics' pods, as NetworkPolicies and the who-may-talk-to-whom matrix select them. */
export const kubeStateMetricsWorkload: ComponentWorkload = { name, podLabels };

/**
 * What kube-state-metrics needs from its namespace's NetworkPolicies: the API (it lists and watches) and
 * the collector's scrapes of `http-metrics`. An entry for the namespace owner's own `addComponentPolicies`
 * call — which also writes the namespace's default-deny, so this construct writes no policies itself.
 */
export function kubeStateMetricsPolicy(apiServer: KubernetesApiAccess): WorkloadPolicy {
  return {
    workload: kubeStateMetricsWorkload,
    egress: [apiServerEgress(apiServer)],
    metricsPorts: [kubeStateMetricsPort],
  };
}

/**
 * kube-state-metrics: metrics about the cluster's objects (deployments' replicas, pods' phases, nodes'
 * conditions…) read from the API. One replica with a read-only ClusterRole limited to the resources it
 * collects by default, Pod Security `restricted`, and a headless Service naming its two ports. Its
 * NetworkPolicy entry is `kubeStateMetricsPolicy`, for the namespace owner to include.
 */
export class KubeStateMetrics extends Construct {
  /** Its pods: what `kubeStateMetricsPolicy` selects. */
  readonly workload: ComponentWorkload;
  /** The container port (named `http-metrics`) the collector scrapes. */
  readonly metricsPort = kubeStateMetricsPort;

  /**
   * Adds kube-state-metrics' objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error when `namespace` is not a DNS label, before adding anything
   */
  constructor(scope: Construct, id: string, props: KubeStateMetricsProps) {
    super(scope, id);
    const { namespace } = props;
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new Error(`${this.node.path}: namespace "${namespace}" must be a DNS label such as monitoring`);
    }
    this.workload = kubeStateMetricsWorkload;
    const labels = { ...podLabels, "app.kubernetes.io/component": "exporter" };

    new k8s.KubeServiceAccount(this, "service-account", {
      metadata: { name, namespace, labels },
      automountServiceAccountToken: false,
    });
    const clusterRole = new k8s.KubeClusterRole(this, "cluster-role", {
      metadata: { name, labels },
      rules: Object.entries(collectedResources).map(([apiGroup, resources]) => ({
        apiGroups: [apiGroup],
        resources: resources.filter((resource) => kubeStateMetricsResources.includes(resource)),
        verbs: ["list", "watch"],
      })),
    });
    const clusterRoleBinding = new k8s.KubeClusterRoleBinding(this, "cluster-role-binding", {
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    });
    // Cluster-scoped: drop the namespace a Chart with a default namespace stamps on every object.
    if (Chart.of(this).namespace) {
      for (const object of [clusterRole, clusterRoleBinding]) {
        object.addJsonPatch(JsonPatch.remove("/metadata/namespace"));
      }
    }

    const resources = containerQuantities("20m", "64Mi", "250m", "256Mi");
    new k8s.KubeDeployment(this, "deployment", {
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...podLabels } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            nodeSelector: { "kubernetes.io/os": "linux" },
            securityContext: restrictedPodSecurity(nobody),
            containers: [
              {
                name,
                image: `registry.k8s.io/kube-state-metrics/kube-state-metrics:${pins.images.kubeStateMetrics}`,
                args: [
                  `--port=${kubeStateMetricsPort}`,
                  `--telemetry-port=${kubeStateMetricsTelemetryPort}`,
                  `--resources=${kubeStateMetricsResources.join(",")}`,
                ],
                ports: [
                  { name: "http-metrics", containerPort: kubeStateMetricsPort, protocol: "TCP" },
                  { name: "telemetry", containerPort: kubeStateMetricsTelemetryPort, protocol: "TCP" },
                ],
                // As upstream probes it: alive while it reaches the API server (`/livez` asks the API's
                // own), ready once its collectors have produced metrics.
                livenessProbe: {
                  httpGet: { path: "/livez", port: k8s.IntOrString.fromString("http-metrics") },
                  initialDelaySeconds: 5,
                  timeoutSeconds: 5,
                },
                readinessProbe: {
                  httpGet: { path: "/readyz", port: k8s.IntOrString.fromString("telemetry") },
                  initialDelaySeconds: 5,
                  timeoutSeconds: 5,
                },
                resources,
                securityContext: restrictedContainerSecurity(nobody),
              },
            ],
          },
        },
      },
    });

    // Headless, as upstream's: scrapers address each pod, never a load-balanced one.
    new k8s.KubeService(this, "service", {
      metadata: { name, namespace, labels },
      spec: {
        clusterIp: "None",
        selector: { ...podLabels },
        ports: [
          {
            name: "http-metrics",
            port: kubeStateMetricsPort,
            targetPort: k8s.IntOrString.fromString("http-metrics"),
            protocol: "TCP",
          },
          {
            name: "telemetry",
            port: kubeStateMetricsTelemetryPort,
            targetPort: k8s.IntOrString.fromString("telemetry"),
            protocol: "TCP",
          },
        ],
      },
    });
  }
}
