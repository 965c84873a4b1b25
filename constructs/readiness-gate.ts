import { Construct } from "constructs";
import { k8s } from "cdk8s-plus-30";
import { pins } from "../pins";
import { installJob, installJobAccount, resourceRef, installJobName } from "./install-job";

/** Configuration of `WebhookReadinessGate`: which guarded kind to try, and where. */
export interface WebhookReadinessGateProps {
  /** The gate's Job, ServiceAccount, Role and ConfigMap name. */
  readonly name: string;
  /** Where the gate runs and where the probe object is tried: the component's namespace. */
  readonly namespace: string;
  /**
   * A namespaced custom resource of a kind the component's webhook admits, valid as it stands, in
   * `namespace`. It is only ever created with `--dry-run=server`: the webhook answers, nothing is stored.
   */
  readonly probe: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string };
    readonly spec?: unknown;
  };
  /** The probe's resource (plural), for the Role that lets the gate create it. */
  readonly resource: string;
  /**
   * What the component was installed at, such as its chart version: a change runs the gate again.
   * @default - none
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
    this.jobName = installJobName(props.name, props.revision);
    const account = installJobAccount(this, {
      name: props.name,
      namespace: props.namespace,
      rules: [{ apiGroups: [apiGroup], resources: [props.resource], verbs: ["create"] }],
    });
    new k8s.KubeConfigMap(this, "probe", {
      metadata: { name: props.name, namespace: props.namespace },
      data: {
        // JSON, which kubectl reads like YAML.
        "probe.json": JSON.stringify(
          { ...props.probe, metadata: { ...props.probe.metadata, namespace: props.namespace } },
          null,
          2,
        ),
      },
    });
    installJob(this, "job", {
      name: props.name,
      namespace: props.namespace,
      image: props.image ?? `registry.k8s.io/kubectl:${pins.images.kubectl}`,
      // The image's entrypoint is kubectl (as the Loki chart runs it). A failed try fails the pod; the Job
      // starts another after its back-off, until it succeeds or the deadline passes.
      args: ["create", "--dry-run=server", "--filename=/probe/probe.json", "--output=name"],
      serviceAccountName: props.name,
      configMaps: [{ name: props.name, mountPath: "/probe" }],
      backoffLimit: 12,
      activeDeadlineSeconds: props.timeoutSeconds ?? 600,
      revision: props.revision,
      after: [...account, resourceRef("", "ConfigMap", props.namespace, props.name)],
    });
  }
}
