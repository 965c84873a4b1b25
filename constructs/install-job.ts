import { createHash } from "node:crypto";
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { k8s } from "cdk8s-plus-30";

/**
 * The container and pod settings of every Job the constructs run at install time (hook replacements and
 * readiness gates): Pod Security `restricted` (non-root, RuntimeDefault seccomp, all capabilities dropped,
 * no privilege escalation), a read-only root filesystem, requests and limits.
 */
export interface InstallJobProps {
  /** The Job's name, and the prefix of its ServiceAccount. */
  readonly name: string;
  /** The namespace the Job runs in. */
  readonly namespace: string;
  /** The container image, pinned. */
  readonly image: string;
  /**
   * The container's command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The container's arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * Environment variables besides `HOME=/tmp`.
   * @default - none
   */
  readonly env?: k8s.EnvVar[];
  /**
   * The ServiceAccount the pod runs as, with its API token mounted; omitted: no token and the namespace's
   * default account.
   */
  readonly serviceAccountName?: string;
  /**
   * ConfigMaps mounted read-only at their paths, besides the writable `/tmp`.
   * @default - none
   */
  readonly configMaps?: readonly { readonly name: string; readonly mountPath: string }[];
  /**
   * How many failed pods the Job tolerates: each retry waits twice as long as the one before (10 s,
   * 20 s, … up to 6 min), so retries are the Job's own loop and the image needs no shell.
   */
  readonly backoffLimit: number;
  /** The bound on the whole Job, retries included; then it fails and Pulumi reports it. */
  readonly activeDeadlineSeconds: number;
  /**
   * What the Job is run for, such as the version of the chart it follows: written on the pod template, so
   * that a change replaces the Job and it runs again, as a `pre-upgrade`/`post-upgrade` hook would.
   */
  readonly revision?: string;
  /**
   * The user (and group) the container runs as: never root.
   * @default 65532
   */
  readonly runAsUser?: number;
  /**
   * Objects applied in the same step that the Job needs first (its ServiceAccount, RBAC, ConfigMap), as
   * `resourceRef` gives them: written to the `config.kubernetes.io/depends-on` annotation, which Pulumi's
   * ConfigGroup and kpt-style tools order by.
   */
  readonly after?: readonly string[];
}

/** The annotation that orders objects inside one applied group. */
export const dependsOnAnnotation = "config.kubernetes.io/depends-on";

/** A reference to a namespaced object for `dependsOnAnnotation`: `<group>/namespaces/<ns>/<kind>/<name>`. */
export function resourceRef(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/namespaces/${namespace}/${kind}/${name}`;
}

/** A reference to a cluster-scoped object for `dependsOnAnnotation`: `<group>/<kind>/<name>`. */
export function clusterResourceRef(group: string, kind: string, name: string): string {
  return `${group}/${kind}/${name}`;
}

/** The annotation on an install Job's pod template that names what it was run for. */
export const installJobRevisionAnnotation = "homelab.dev/install-revision";

/**
 * Makes every object under `scope` in one of `apiGroups` wait for a Job applied with it, through the
 * `config.kubernetes.io/depends-on` annotation: for a gate that shares its component's scope (no
 * separate phase), so that Pulumi's ConfigGroup still applies the guarded objects after the Job completes.
 */
export function waitForJob(
  scope: Construct,
  job: { readonly namespace: string; readonly name: string },
  apiGroups: readonly string[],
): void {
  const reference = resourceRef("batch", "Job", job.namespace, job.name);
  for (const child of scope.node.findAll()) {
    if (!(child instanceof ApiObject) || !apiGroups.includes(child.apiGroup)) continue;
    const existing = (child.metadata.toJson() as { annotations?: Record<string, string> }).annotations?.[
      dependsOnAnnotation
    ];
    child.metadata.addAnnotation(dependsOnAnnotation, existing ? `${existing},${reference}` : reference);
  }
}

/**
 * The Job's name: `name`, then its revision, so that a new revision is a new Job — a Job's pod template
 * cannot change, and a new name makes the upgrade a create and a delete, never an update Kubernetes
 * refuses. A revision too long for a name is replaced by a short hash of it.
 */
export function installJobName(name: string, revision: string | undefined): string {
  if (revision === undefined) return name;
  const slug = revision
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug !== "" && name.length + 1 + slug.length <= 63) return `${name}-${slug}`;
  return `${name}-${createHash("sha256").update(revision).digest("hex").slice(0, 8)}`;
}

/** The labels of an install Job's pods, `name` being the Job's name without its revision. */
export function installJobPodLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "install-job" };
}

/**
 * A `batch/v1` Job that runs once to completion, which Pulumi awaits — for as long as the Job may take
 * (`pulumi.com/timeoutSeconds`, not the provider's 10-minute default), and a Job that failed is
 * replaced on the next `pulumi up` (`pulumi.com/replaceUnready`) instead of being awaited again. No
 * `ttlSecondsAfterFinished`: a Job the cluster deletes by itself would be drift that Pulumi creates again.
 */
export function installJob(scope: Construct, id: string, props: InstallJobProps): k8s.KubeJob {
  const user = props.runAsUser ?? 65532;
  return new k8s.KubeJob(scope, id, {
    metadata: {
      name: installJobName(props.name, props.revision),
      namespace: props.namespace,
      labels: { "app.kubernetes.io/name": props.name, "app.kubernetes.io/component": "install-job" },
      annotations: {
        "pulumi.com/timeoutSeconds": String(props.activeDeadlineSeconds + 60),
        "pulumi.com/replaceUnready": "true",
        ...(props.after && props.after.length > 0 ? { [dependsOnAnnotation]: props.after.join(",") } : {}),
      },
    },
    spec: {
      backoffLimit: props.backoffLimit,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
      template: {
        metadata: {
          labels: installJobPodLabels(props.name),
          ...(props.revision === undefined
            ? {}
            : { annotations: { [installJobRevisionAnnotation]: props.revision } }),
        },
        spec: {
          restartPolicy: "Never",
          ...(props.serviceAccountName === undefined
            ? { automountServiceAccountToken: false }
            : { serviceAccountName: props.serviceAccountName, automountServiceAccountToken: true }),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: user,
            runAsGroup: user,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "main",
              image: props.image,
              ...(props.command === undefined ? {} : { command: props.command }),
              ...(props.args === undefined ? {} : { args: props.args }),
              // Tools that keep a cache or config under $HOME (kubectl, mc) write to the emptyDir.
              env: [{ name: "HOME", value: "/tmp" }, ...(props.env ?? [])],
              resources: {
                requests: { cpu: k8s.Quantity.fromString("10m"), memory: k8s.Quantity.fromString("32Mi") },
                limits: { cpu: k8s.Quantity.fromString("500m"), memory: k8s.Quantity.fromString("128Mi") },
              },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                ...(props.configMaps ?? []).map((configMap) => ({
                  name: `config-${configMap.name}`,
                  mountPath: configMap.mountPath,
                  readOnly: true,
                })),
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: k8s.Quantity.fromString("16Mi") } },
            ...(props.configMaps ?? []).map((configMap) => ({
              name: `config-${configMap.name}`,
              configMap: { name: configMap.name },
            })),
          ],
        },
      },
    },
  });
}

/**
 * A namespaced ServiceAccount with one Role and its RoleBinding, all named `name`: the least an install
 * Job needs. Returns their references for the Job's `after`.
 */
export function installJobAccount(
  scope: Construct,
  props: { readonly name: string; readonly namespace: string; readonly rules: k8s.PolicyRule[] },
): string[] {
  const metadata = { name: props.name, namespace: props.namespace };
  new k8s.KubeServiceAccount(scope, "service-account", { metadata, automountServiceAccountToken: false });
  new k8s.KubeRole(scope, "role", { metadata, rules: props.rules });
  new k8s.KubeRoleBinding(scope, "role-binding", {
    metadata,
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: props.name },
    subjects: [{ kind: "ServiceAccount", name: props.name, namespace: props.namespace }],
  });
  return [
    resourceRef("", "ServiceAccount", props.namespace, props.name),
    resourceRef("rbac.authorization.k8s.io", "Role", props.namespace, props.name),
    resourceRef("rbac.authorization.k8s.io", "RoleBinding", props.namespace, props.name),
  ];
}
