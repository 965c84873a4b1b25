import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { pins } from "../pins";
import { KubernetesUpgrade, TalosUpgrade } from "./imports/tuppr.home-operations.com";
import { customResourceDefinitions } from "./imports/tuppr.home-operations.com.crds";
import { clusterResourceRef, dependsOnAnnotation, installJobPodLabels, waitForJob } from "./install-job";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  InstallPhases,
  PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  addressesEgress,
  apiServerEgress,
  internetEgress,
  tcpPorts,
  webhookIngress,
  type KubernetesApiAccess,
} from "./platform-policies";
import { WebhookReadinessGate } from "./readiness-gate";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** Configuration of `Tuppr`: the versions the cluster is to run, and how long an upgrade may take. */
export interface TupprProps {
  /** The Talos version every node is to run, as Talos tags it: `v1.13.9`. */
  readonly talosVersion: string;
  /** The Kubernetes version the control plane and kubelets are to run, without a `v`: `1.36.3`. */
  readonly kubernetesVersion: string;
  /**
   * How long Pulumi waits for each upgrade to complete, in seconds (`pulumi.com/timeoutSeconds` on the
   * TalosUpgrade and the KubernetesUpgrade): a Talos upgrade reboots the nodes one after another.
   * @default 21600 (six hours)
   */
  readonly upgradeTimeoutSeconds?: number;
  /**
   * The namespace tuppr runs in, and the only one Talos lets call its API (`talosApiAccess`).
   * @default "tuppr"
   */
  readonly namespace?: string;
  /**
   * Where the CRDs (`beforeCharts`: the chart has none) and the readiness gate of tuppr's validating
   * webhook (`afterCharts`) go; the TalosUpgrade and the KubernetesUpgrade wait for the gate.
   * @default - among the component's own objects
   */
  readonly phases?: InstallPhases;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS and
   * what each part needs: the API for all; Talos's API (apid) on the control planes for the controller
   * and the upgrade Jobs; container registries (HTTPS) for the controller, which checks that the target
   * installer image exists; the API server's calls to the webhook.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
  /**
   * The telemetry collector let in on the controller's `metrics` port (with `apiServer` only).
   * @default - no scrapes
   */
  readonly telemetry?: TelemetryCollectorRef;
}

/**
 * What the control planes' Talos machine config must hold under `machine.features.kubernetesTalosAPIAccess`
 * for Talos to make the talosconfig Secret tuppr runs with.
 */
export interface TalosApiAccess {
  /** Talos API access from Kubernetes pods is on. */
  readonly enabled: true;
  /** The Talos roles a pod may be granted: tuppr's Talos ServiceAccount asks for `os:admin`. */
  readonly allowedRoles: readonly string[];
  /** The namespaces pods may call the Talos API from: tuppr's. */
  readonly allowedKubernetesNamespaces: readonly string[];
}

/** The Helm release, and the name every object of the chart is given (`fullnameOverride`). */
export const tupprRelease = "tuppr";
/** The controller's webhook container port: the chart's `webhook.port`, stated because policies name it. */
export const tupprWebhookPort = 9443;
/** The controller's `metrics` container port (metrics and health, plain HTTP): the chart's default. */
export const tupprMetricsPort = 8081;
/** Talos's API (apid) on every node; the control planes proxy calls for the others. */
export const talosApiPort = 50000;
/** What Pulumi waits for on each upgrade: observed (Ready follows the generation) and completed. */
export const tupprWaitFor = '["condition=Ready","jsonpath={.status.phase}=Completed"]';

/** The readiness gate's Job and its ServiceAccount, ClusterRole and ConfigMap. */
const gateName = "tuppr-webhook-gate";
const tupprGroup = "tuppr.home-operations.com";
/** The Talos version of the readiness gate's dry-run TalosUpgrade: any well-formed one is admitted. */
const gateProbeTalosVersion = "v1.0.0";

/** What ValidateVersionFormat of tuppr's webhook admits (and the CRDs' `pattern`), as Talos tags versions. */
const taggedVersion = /^v[0-9]+\.[0-9]+\.[0-9]+(-[a-zA-Z0-9.-]+)?$/;
const plainVersion = /^[0-9]+\.[0-9]+\.[0-9]+(-[a-zA-Z0-9.-]+)?$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * tuppr, the Talos upgrade controller: Talos and Kubernetes upgrades as two cluster-scoped custom
 * resources, a `TalosUpgrade` named `talos` and a `KubernetesUpgrade` named `kubernetes`, which it carries
 * out node by node with Jobs running talosctl. Pulumi applies the CRs with the versions given and waits
 * for each to complete — Kubernetes only after Talos — so a version bump in the pins is an upgrade.
 * Talos must let tuppr's namespace use its API (`talosApiAccess`, on the control planes); until Talos has
 * made the talosconfig Secret, the webhook refuses the CRs and the readiness gate waits.
 */
export class Tuppr extends Construct implements PlatformComponent {
  /** Pod Security `restricted`: the controller and the upgrade Jobs it runs are non-root with a read-only root. */
  readonly namespace: ComponentNamespace;
  /** The tuppr chart: the controller, its webhook, its RBAC and its Talos ServiceAccount; no CRDs. */
  readonly helmCharts: readonly HelmChart[];
  /** The `machine.features.kubernetesTalosAPIAccess` the control planes need; the Talos layer adds it. */
  readonly talosApiAccess: TalosApiAccess;
  /** The `TalosUpgrade` named `talos`, at `talosVersion`. */
  readonly talosUpgrade: ApiObject;
  /** The `KubernetesUpgrade` named `kubernetes`, at `v<kubernetesVersion>`, applied once `talosUpgrade` completes. */
  readonly kubernetesUpgrade: ApiObject;
  /** The controller, the upgrade Jobs it runs, and the readiness gate's Job. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds tuppr's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (talosVersion, kubernetesVersion, upgradeTimeoutSeconds, namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: TupprProps) {
    super(scope, id);
    checkProps(this.node.path, props);
    const namespace = props.namespace ?? "tuppr";
    const timeoutSeconds = props.upgradeTimeoutSeconds ?? 21600;
    this.namespace = { name: namespace, podSecurity: "restricted" };
    this.talosApiAccess = {
      enabled: true,
      allowedRoles: ["os:admin"],
      allowedKubernetesNamespaces: [namespace],
    };

    this.helmCharts = [
      {
        repository: "oci://ghcr.io/home-operations/charts",
        name: "tuppr",
        version: pins.charts.tuppr,
        release: tupprRelease,
        namespace,
        values: {
          fullnameOverride: tupprRelease,
          resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
          controller: { logLevel: "info" },
          webhook: { enabled: true, port: tupprWebhookPort },
          monitoring: {
            serviceMonitor: { enabled: false },
            prometheusRule: { enabled: false },
            dashboards: { enabled: false },
          },
        },
      },
    ];

    // The chart's crds/ is empty (they are generated at release into a folder the package leaves out).
    const crdScope = new Construct(props.phases?.beforeCharts ?? this, `${id}-crds`);
    for (const definition of customResourceDefinitions) {
      const { apiVersion, kind, metadata, ...rest } = definition as {
        apiVersion: string;
        kind: string;
        metadata: { name: string };
      };
      new ApiObject(crdScope, metadata.name, { apiVersion, kind, metadata, ...rest });
    }

    // The webhook admits nothing until the talosconfig Secret exists; a TalosUpgrade (on nodes matching no
    // other plan) is otherwise admitted, with warnings only. The probe's version is fixed, not the target:
    // a version bump must not change the gate's Job, whose spec Kubernetes will not update.
    const readinessGate = new WebhookReadinessGate(props.phases?.afterCharts ?? this, `${id}-webhook-gate`, {
      name: gateName,
      namespace,
      probe: {
        apiVersion: TalosUpgrade.GVK.apiVersion,
        kind: TalosUpgrade.GVK.kind,
        metadata: { name: `${gateName}-probe` },
        spec: { talos: { version: gateProbeTalosVersion } },
      },
      resource: "talosupgrades",
      clusterScoped: true,
      revision: pins.charts.tuppr,
    });

    const annotations = {
      "pulumi.com/waitFor": tupprWaitFor,
      "pulumi.com/timeoutSeconds": String(timeoutSeconds),
    };
    this.talosUpgrade = new TalosUpgrade(this, "talos-upgrade", {
      metadata: { name: "talos", annotations },
      spec: { talos: { version: props.talosVersion } },
    });
    this.kubernetesUpgrade = new KubernetesUpgrade(this, "kubernetes-upgrade", {
      metadata: {
        name: "kubernetes",
        annotations: {
          ...annotations,
          // Kubernetes moves only on nodes already at the target Talos, which must support it.
          [dependsOnAnnotation]: clusterResourceRef(tupprGroup, TalosUpgrade.GVK.kind, "talos"),
        },
      },
      spec: { kubernetes: { version: `v${props.kubernetesVersion}` } },
    });

    // The chart's selector labels; the Jobs are labelled by the controller (internal/controller/jobs).
    const controller: ComponentWorkload = {
      name: "controller",
      podLabels: { "app.kubernetes.io/name": "tuppr", "app.kubernetes.io/instance": tupprRelease },
    };
    const upgradeJobs: ComponentWorkload = {
      name: "upgrade-jobs",
      podLabels: { "app.kubernetes.io/part-of": "tuppr" },
    };
    const gate: ComponentWorkload = { name: "webhook-gate", podLabels: installJobPodLabels(gateName) };
    this.workloads = [controller, upgradeJobs, gate];
    if (props.apiServer) {
      const api = props.apiServer;
      const talosApi = addressesEgress(api.controlPlaneAddresses, tcpPorts(talosApiPort));
      addComponentPolicies(this, {
        namespace,
        collector: props.telemetry,
        policies: [
          {
            workload: controller,
            ingress: [webhookIngress(api, tupprWebhookPort)],
            // The registry check of the target installer image (factory.talos.dev, ghcr.io): HTTPS.
            egress: [apiServerEgress(api), talosApi, internetEgress(tcpPorts(443))],
            metricsPorts: [tupprMetricsPort],
          },
          // talosctl upgrade / upgrade-k8s: apid on the control planes, and the API for upgrade-k8s.
          { workload: upgradeJobs, egress: [apiServerEgress(api), talosApi] },
          // kubectl create --dry-run=server: the API server calls the webhook, not the Job.
          { workload: gate, egress: [apiServerEgress(api)] },
        ],
      });
    }

    // Without a phase of its own the gate shares this scope: the CRs wait for it.
    if (!props.phases?.afterCharts) {
      waitForJob(this, { namespace, name: readinessGate.jobName }, [tupprGroup]);
    }
  }
}

function checkProps(path: string, props: TupprProps): void {
  if (!taggedVersion.test(props.talosVersion)) {
    throw new Error(
      `${path}: talosVersion "${props.talosVersion}" must be a Talos version as Talos tags it, with a leading v, such as v1.13.9`,
    );
  }
  if (!plainVersion.test(props.kubernetesVersion)) {
    const hint = props.kubernetesVersion.startsWith("v")
      ? " (without the leading v, which the construct adds)"
      : "";
    throw new Error(
      `${path}: kubernetesVersion "${props.kubernetesVersion}" must be a Kubernetes version such as 1.36.3${hint}`,
    );
  }
  const timeout = props.upgradeTimeoutSeconds;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new Error(`${path}: upgradeTimeoutSeconds ${timeout} must be a whole number of seconds above 0`);
  }
  if (props.namespace !== undefined && !dnsLabel.test(props.namespace)) {
    throw new Error(`${path}: namespace "${props.namespace}" must be a DNS label such as tuppr`);
  }
}
