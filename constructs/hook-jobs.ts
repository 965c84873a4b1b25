import { Construct } from "constructs";
import { k8s } from "cdk8s-plus-30";
import { pins } from "../pins";
import { installJob, installJobAccount, resourceRef } from "./install-job";

/** Configuration of `EnvoyGatewayCertgen`. */
export interface EnvoyGatewayCertgenProps {
  /** The gateway-helm release's namespace, where the controller and proxies mount the Secrets. */
  readonly namespace: string;
  /** The gateway-helm release's full name (`eg.fullname`); the Job is `<fullname>-certgen` as the chart names it. */
  readonly fullname: string;
  /** Whether the chart's topology injector is on; off here, so certgen leaves its webhook alone. */
  readonly topologyInjector: boolean;
  /**
   * The Envoy Gateway image, whose `envoy-gateway certgen` the chart runs.
   * @default `docker.io/envoyproxy/gateway` at `pins.images.envoyGateway`
   */
  readonly image?: string;
  /**
   * The cluster's DNS domain, for the certificates' names.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/**
 * Envoy Gateway's certgen, as gateway-helm's pre-install/pre-upgrade hook runs it (templates/certgen.yaml and
 * certgen-rbac.yaml): it writes the TLS Secrets (`envoy-gateway`, `envoy`, `envoy-rate-limit`,
 * `envoy-oidc-hmac`) that the controller and the proxies mount, and never overwrites them. Apply it before
 * the chart; a new image (a pin bump) replaces the Job, so it runs again as on an upgrade.
 */
export class EnvoyGatewayCertgen extends Construct {
  /** Adds the Job and what it needs to `scope`, which must be inside a cdk8s `Chart`. */
  constructor(scope: Construct, id: string, props: EnvoyGatewayCertgenProps) {
    super(scope, id);
    const name = `${props.fullname}-certgen`;
    if (props.topologyInjector) {
      throw new Error(
        `${this.node.path}: the topology injector needs certgen to patch its webhook cluster-wide; keep it off`,
      );
    }
    const account = installJobAccount(this, {
      name,
      namespace: props.namespace,
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "update"] }],
    });
    const image = props.image ?? `docker.io/envoyproxy/gateway:${pins.images.envoyGateway}`;
    installJob(this, "job", {
      name,
      namespace: props.namespace,
      image,
      command: ["envoy-gateway", "certgen"],
      args: ["--disable-topology-injector"],
      env: [
        {
          name: "ENVOY_GATEWAY_NAMESPACE",
          valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
        },
        { name: "KUBERNETES_CLUSTER_DOMAIN", value: props.clusterDomain ?? "cluster.local" },
      ],
      serviceAccountName: name,
      backoffLimit: 3,
      activeDeadlineSeconds: 300,
      revision: image,
      after: account,
    });
  }
}

/** Configuration of `CertManagerStartupCheck`. */
export interface CertManagerStartupCheckProps {
  /** cert-manager's namespace. */
  readonly namespace: string;
  /** The cert-manager release's full name; the check is `<fullname>-startupapicheck` as the chart names it. */
  readonly fullname: string;
  /** The chart version: a chart upgrade runs the check again, as Helm runs the hook on every install. */
  readonly revision: string;
  /**
   * How long `check api` waits for the webhook, as the chart's `startupapicheck.timeout`.
   * @default "5m"
   */
  readonly wait?: string;
  /**
   * The startupapicheck image.
   * @default `quay.io/jetstack/cert-manager-startupapicheck` at `pins.images.certManagerStartupApiCheck`
   */
  readonly image?: string;
}

/**
 * cert-manager's own readiness check, as the chart's startupapicheck post-install hook runs it
 * (templates/startupapicheck-job.yaml, -rbac.yaml, -serviceaccount.yaml): `check api --wait=<timeout>`
 * creates a CertificateRequest with a server-side dry run until the webhook admits it with a CA the API
 * server trusts. Its Role allows exactly that.
 */
export class CertManagerStartupCheck extends Construct {
  /** Adds the Job and what it needs to `scope`, which must be inside a cdk8s `Chart`. */
  constructor(scope: Construct, id: string, props: CertManagerStartupCheckProps) {
    super(scope, id);
    const name = `${props.fullname}-startupapicheck`;
    const metadata = { name, namespace: props.namespace };
    new k8s.KubeServiceAccount(this, "service-account", { metadata, automountServiceAccountToken: false });
    // Named as in the chart: `<fullname>-startupapicheck:create-cert`.
    const roleMetadata = { name: `${name}:create-cert`, namespace: props.namespace };
    new k8s.KubeRole(this, "role", {
      metadata: roleMetadata,
      rules: [{ apiGroups: ["cert-manager.io"], resources: ["certificaterequests"], verbs: ["create"] }],
    });
    new k8s.KubeRoleBinding(this, "role-binding", {
      metadata: roleMetadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleMetadata.name },
      subjects: [{ kind: "ServiceAccount", name, namespace: props.namespace }],
    });
    const wait = props.wait ?? "5m";
    installJob(this, "job", {
      name,
      namespace: props.namespace,
      image:
        props.image ??
        `quay.io/jetstack/cert-manager-startupapicheck:${pins.images.certManagerStartupApiCheck}`,
      args: ["check", "api", `--wait=${wait}`, "-v"],
      env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
      serviceAccountName: name,
      // The chart's backoffLimit; each try waits up to `wait` itself.
      backoffLimit: 4,
      activeDeadlineSeconds: 1800,
      revision: props.revision,
      runAsUser: 1000,
      after: [
        resourceRef("", "ServiceAccount", props.namespace, name),
        resourceRef("rbac.authorization.k8s.io", "Role", props.namespace, roleMetadata.name),
        resourceRef("rbac.authorization.k8s.io", "RoleBinding", props.namespace, roleMetadata.name),
      ],
    });
  }
}

/** Configuration of `MinioBuckets`. */
export interface MinioBucketsProps {
  /** Where MinIO runs. */
  readonly namespace: string;
  /** The Job's name. */
  readonly name: string;
  /** MinIO's S3 endpoint, e.g. `http://mimir-minio.monitoring.svc:9000`. */
  readonly endpoint: string;
  /** The Secret with MinIO's root credentials, as the MinIO chart reads it. */
  readonly credentials: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
  /** The buckets to make; existing ones are left as they are. */
  readonly buckets: readonly string[];
  /** What the store was installed at, such as the chart version: a change runs the Job again. */
  readonly revision?: string;
  /**
   * The MinIO client image.
   * @default `quay.io/minio/mc` at `pins.images.minioClient`
   */
  readonly image?: string;
}

/**
 * The buckets the MinIO chart's post-install hook makes (charts/minio/templates/post-job.yaml, its
 * `buckets` values), made by a plain Job after the chart: `mc mb --ignore-existing`, retried by the Job
 * until MinIO answers. Only buckets: the chart's console user and policies are not needed by the store's
 * clients, which use the root credentials.
 */
export class MinioBuckets extends Construct {
  /** Adds the Job and what it needs to `scope`, which must be inside a cdk8s `Chart`. */
  constructor(scope: Construct, id: string, props: MinioBucketsProps) {
    super(scope, id);
    if (props.buckets.length === 0) throw new Error(`${this.node.path}: buckets must not be empty`);
    const secretEnv = (name: string, key: string) => ({
      name,
      valueFrom: { secretKeyRef: { name: props.credentials.name, key } },
    });
    installJob(this, "job", {
      name: props.name,
      namespace: props.namespace,
      image: props.image ?? `quay.io/minio/mc:${pins.images.minioClient}`,
      // mc reads a host's credentials from MC_HOST_<alias>; `$(VAR)` is expanded by the kubelet.
      command: ["mc"],
      args: [
        "--config-dir=/tmp/mc",
        "mb",
        "--ignore-existing",
        ...props.buckets.map((bucket) => `store/${bucket}`),
      ],
      env: [
        secretEnv("MINIO_ROOT_USER", props.credentials.userKey),
        secretEnv("MINIO_ROOT_PASSWORD", props.credentials.passwordKey),
        {
          name: "MC_HOST_store",
          value: props.endpoint.replace("://", "://$(MINIO_ROOT_USER):$(MINIO_ROOT_PASSWORD)@"),
        },
      ],
      backoffLimit: 10,
      activeDeadlineSeconds: 900,
      revision: props.revision,
      runAsUser: 1000,
    });
  }
}
