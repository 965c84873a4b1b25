import { Construct } from "constructs";
import { k8s } from "cdk8s-plus-30";
import { pins } from "../pins";
import {
  clusterResourceRef,
  installJob,
  installJobAccount,
  installJobName,
  resourceRef,
} from "./install-job";

/** Configuration of `WebhookReadinessGate`: which guarded kind to try, and where. */
export interface WebhookReadinessGateProps {
  /** The gate's Job, ServiceAccount, Role and ConfigMap name. */
  readonly name: string;
  /** Where the gate runs and where the probe object is tried: the component's namespace. */
  readonly namespace: string;
  /**
   * A custom resource of a kind the component's webhook admits, valid as it stands: tried in `namespace`,
   * or without one when `clusterScoped`. It is only ever created with `--dry-run=server`: the webhook
   * answers, nothing is stored.
   */
  readonly probe: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string };
    readonly spec?: unknown;
  };
  /** The probe's resource (plural), for the Role (or ClusterRole) that lets the gate create it. */
  readonly resource: string;
  /**
   * The probe's kind is cluster-scoped (tuppr's TalosUpgrade): the probe has no namespace, and a
   * ClusterRole and its ClusterRoleBinding, both named `name`, let the gate create it instead of a Role.
   * @default false
   */
  readonly clusterScoped?: boolean;
  /**
   * What the component was installed at, such as its chart version: a change runs the gate again (a
   * new kubectl image does too: the Job's name carries both).
   * @default - none: the image alone
   */
  readonly revision?: string;
  /**
   * How long the gate may try, in seconds, retries and their back-off included.
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /**
   * The kubectl image.
   * @default `registry.k8s.io/kubectl` at `pins.images.kubectl`
   */
  readonly image?: string;
}

/**
 * A readiness gate for an admission webhook: a Job that creates one object of a guarded kind with
 * `kubectl create --dry-run=server` until that succeeds — the webhook served it with a trusted
 * certificate and admitted it — within a bounded time. The probe must be an object the webhook admits:
 * a denial fails the gate like an unreachable webhook. Applied after the component's chart and before its
 * custom resources, which wait for the Job to complete; Pulumi does not retry webhook errors itself.
 */
export class WebhookReadinessGate extends Construct {
  /** The Job whose completion means the webhook serves. */
  readonly jobName: string;

  /** Adds the Job and what it needs to `scope`, which must be inside a cdk8s `Chart`. */
  constructor(scope: Construct, id: string, props: WebhookReadinessGateProps) {
    super(scope, id);
    const [apiGroup] = props.probe.apiVersion.includes("/") ? props.probe.apiVersion.split("/") : [""];
    const image = props.image ?? `registry.k8s.io/kubectl:${pins.images.kubectl}`;
    // A new kubectl (or chart) is a new Job: a Job's pod template cannot be updated.
    const imageTag = image.slice(image.lastIndexOf(":") + 1);
    const revision = props.revision === undefined ? imageTag : `${props.revision}-${imageTag}`;
    this.jobName = installJobName(props.name, revision);
    const rules = [{ apiGroups: [apiGroup], resources: [props.resource], verbs: ["create"] }];
    const account = props.clusterScoped
      ? clusterAccount(this, props.name, props.namespace, rules)
      : installJobAccount(this, { name: props.name, namespace: props.namespace, rules });
    const probeMetadata = props.clusterScoped
      ? { ...props.probe.metadata }
      : { ...props.probe.metadata, namespace: props.namespace };
    new k8s.KubeConfigMap(this, "probe", {
      metadata: { name: props.name, namespace: props.namespace },
      data: {
        // JSON, which kubectl reads like YAML.
        "probe.json": JSON.stringify({ ...props.probe, metadata: probeMetadata }, null, 2),
      },
    });
    installJob(this, "job", {
      name: props.name,
      namespace: props.namespace,
      image,
      // The image's entrypoint is kubectl (as the Loki chart runs it). A failed try fails the pod; the Job
      // starts another after its back-off, until it succeeds or the deadline passes.
      args: ["create", "--dry-run=server", "--filename=/probe/probe.json", "--output=name"],
      serviceAccountName: props.name,
      configMaps: [{ name: props.name, mountPath: "/probe" }],
      backoffLimit: 12,
      activeDeadlineSeconds: props.timeoutSeconds ?? 600,
      revision,
      after: [...account, resourceRef("", "ConfigMap", props.namespace, props.name)],
    });
  }
}

/**
 * The gate's ServiceAccount in `namespace`, and a ClusterRole with `rules` bound to it, all named `name`:
 * what creating a cluster-scoped probe needs. Returns their references for the Job's `after`.
 */
function clusterAccount(
  scope: Construct,
  name: string,
  namespace: string,
  rules: k8s.PolicyRule[],
): string[] {
  new k8s.KubeServiceAccount(scope, "service-account", {
    metadata: { name, namespace },
    automountServiceAccountToken: false,
  });
  new k8s.KubeClusterRole(scope, "cluster-role", { metadata: { name }, rules });
  new k8s.KubeClusterRoleBinding(scope, "cluster-role-binding", {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });
  return [
    resourceRef("", "ServiceAccount", namespace, name),
    clusterResourceRef("rbac.authorization.k8s.io", "ClusterRole", name),
    clusterResourceRef("rbac.authorization.k8s.io", "ClusterRoleBinding", name),
  ];
}
