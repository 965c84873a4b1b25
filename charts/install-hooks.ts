import type { Construct } from "constructs";
import { MinioBuckets } from "../constructs/hook-jobs";
import { installJobPodLabels } from "../constructs/install-job";
import type { ComponentWorkload, HelmChart } from "../constructs/platform-component";
import { pins } from "../pins";
import type { bootstrapSecrets } from "./bootstrap-secrets";
import type { InstallPhase } from "./components";

/**
 * How the program stands in for one group of a chart's Helm hooks, which Pulumi's Helm support
 * (`kubernetes.helm.v4.Chart`) never runs:
 *
 * - `run`: an equivalent plain object applied in a phase around the chart (a Job Pulumi awaits), named
 *   here per kind;
 * - `provided`: the hook is turned off by values and the program makes what it would have made (a
 *   bootstrap Secret);
 * - `off`: values turn the hook's template off; the named `.Values` paths guard it and are falsy;
 * - `test`: a `helm test` hook, which no install runs.
 */
export type HookHandling =
  | {
      readonly handling: "run";
      readonly phase: InstallPhase;
      /** The replacement's objects by kind, for the hook kinds the rule covers. */
      readonly objects: Readonly<Record<string, string>>;
      /** The construct that makes them. */
      readonly by: string;
      /** Values paths that turn the chart's own hook off as well, if any. */
      readonly off?: readonly string[];
    }
  | {
      readonly handling: "provided";
      readonly secret: keyof typeof bootstrapSecrets;
      readonly off: readonly string[];
    }
  | {
      readonly handling: "off";
      /** `.Values` paths from the top chart; a `*` segment stands for every key at that level. */
      readonly off: readonly string[];
      readonly why: string;
    }
  | { readonly handling: "test"; readonly why: string };

/** One rule: the hooks of a template, of the listed kinds. */
export interface HookRule {
  /** The template path as the chart facts name it, e.g. `templates/certgen.yaml`. */
  readonly template: string;
  readonly kinds: readonly string[];
  readonly handled: HookHandling;
}

const helmTest = "a `helm test` hook: no install or upgrade runs it";

/**
 * Every Helm hook of every pinned chart, by chart name, and how the program handles it. test/chart-facts
 * reads each chart's hooks from vendor/charts/*.json and fails on a hook no rule covers (a chart bump
 * that adds one), on a rule that covers nothing, and on a rule the program does not keep.
 */
export const chartHooks: Readonly<Record<string, readonly HookRule[]>> = {
  // redis-secret-init: a Job and its RBAC that make `argocd-redis`, which Pulumi makes instead.
  "argo-cd": (
    [
      ["job.yaml", "Job"],
      ["role.yaml", "Role"],
      ["rolebinding.yaml", "RoleBinding"],
      ["serviceaccount.yaml", "ServiceAccount"],
    ] as const
  ).map(([file, kind]) => ({
    template: `templates/redis-secret-init/${file}`,
    kinds: [kind],
    handled: { handling: "provided", secret: "argocdRedis", off: ["redisSecretInit.enabled"] },
  })),
  "cert-manager": [
    // The readiness check of the webhook (post-install; annotations from values): the gate runs it.
    ...(
      [
        ["templates/startupapicheck-job.yaml", "Job", "cert-manager-startupapicheck"],
        ["templates/startupapicheck-serviceaccount.yaml", "ServiceAccount", "cert-manager-startupapicheck"],
      ] as const
    ).map(([template, kind, name]) => ({
      template,
      kinds: [kind],
      handled: {
        handling: "run" as const,
        phase: "afterCharts" as const,
        objects: { [kind]: name },
        by: "CertManagerStartupCheck",
        off: ["startupapicheck.enabled"],
      },
    })),
    {
      template: "templates/startupapicheck-rbac.yaml",
      kinds: ["Role", "RoleBinding"],
      handled: {
        handling: "run",
        phase: "afterCharts",
        objects: {
          Role: "cert-manager-startupapicheck:create-cert",
          RoleBinding: "cert-manager-startupapicheck:create-cert",
        },
        by: "CertManagerStartupCheck",
        off: ["startupapicheck.enabled"],
      },
    },
    ...(
      [
        ["templates/startupapicheck-psp.yaml", "PodSecurityPolicy"],
        ["templates/startupapicheck-psp-clusterrole.yaml", "ClusterRole"],
        ["templates/startupapicheck-psp-clusterrolebinding.yaml", "ClusterRoleBinding"],
      ] as const
    ).map(([template, kind]) => ({
      template,
      kinds: [kind],
      handled: {
        handling: "off" as const,
        off: ["global.podSecurityPolicy.enabled", "startupapicheck.enabled"],
        why: "PodSecurityPolicy was removed in Kubernetes 1.25",
      },
    })),
  ],
  "gateway-helm": [
    {
      template: "templates/certgen.yaml",
      kinds: ["Job"],
      handled: {
        handling: "run",
        phase: "beforeCharts",
        objects: { Job: "envoy-gateway-gateway-helm-certgen" },
        by: "EnvoyGatewayCertgen",
      },
    },
    {
      template: "templates/certgen-rbac.yaml",
      kinds: ["ServiceAccount", "Role", "RoleBinding"],
      handled: {
        handling: "run",
        phase: "beforeCharts",
        objects: {
          ServiceAccount: "envoy-gateway-gateway-helm-certgen",
          Role: "envoy-gateway-gateway-helm-certgen",
          RoleBinding: "envoy-gateway-gateway-helm-certgen",
        },
        by: "EnvoyGatewayCertgen",
      },
    },
    {
      template: "templates/certgen-rbac.yaml",
      kinds: ["ClusterRole", "ClusterRoleBinding"],
      handled: {
        handling: "off",
        off: ["topologyInjector.enabled"],
        why: "certgen patches the topology injector's webhook only when the injector is on",
      },
    },
    {
      template: "templates/envoy-proxy-topology-injector-webhook.yaml",
      kinds: ["MutatingWebhookConfiguration"],
      handled: {
        handling: "off",
        off: ["topologyInjector.enabled"],
        why: "zone labels for zone-aware routing; failurePolicy Ignore, it admits only pods/binding in the controller's namespace",
      },
    },
  ],
  grafana: [
    ...(
      [
        ["templates/tests/test-configmap.yaml", "ConfigMap"],
        ["templates/tests/test-podsecuritypolicy.yaml", "PodSecurityPolicy"],
        ["templates/tests/test-role.yaml", "Role"],
        ["templates/tests/test-rolebinding.yaml", "RoleBinding"],
        ["templates/tests/test-serviceaccount.yaml", "ServiceAccount"],
        ["templates/tests/test.yaml", "Pod"],
      ] as const
    ).map(([template, kind]) => ({
      template,
      kinds: [kind],
      handled: {
        handling: "off" as const,
        off: ["testFramework.enabled"],
        // `testFramework.hookType` could make them install hooks; the framework is off altogether.
        why: "the chart's test framework, a `helm test` hook unless hookType says otherwise",
      },
    })),
  ],
  loki: [
    {
      template: "templates/_workload.tpl",
      kinds: ["Job", "ServiceAccount", "Role", "RoleBinding"],
      handled: {
        handling: "off",
        off: ["*.statefulSetRecreateJob.enabled"],
        why: "recreates a StatefulSet whose volume size changed, found by `lookup` on upgrade; every component's switch is off",
      },
    },
    {
      template: "templates/tests/test-canary.yaml",
      kinds: ["Pod"],
      handled: { handling: "test", why: helmTest },
    },
  ],
  "mimir-distributed": [
    {
      template: "charts/minio/templates/post-job.yaml",
      kinds: ["Job"],
      handled: {
        handling: "run",
        phase: "withCharts",
        objects: { Job: "mimir-minio-make-buckets" },
        by: "MinioBuckets",
      },
    },
    {
      template: "charts/grafana-agent-operator/templates/tests/test-grafanaagent.yaml",
      kinds: [
        "GrafanaAgent",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "MetricsInstance",
        "Pod",
      ],
      handled: { handling: "test", why: `${helmTest}; its subchart is not installed either` },
    },
    {
      template: "templates/smoke-test/smoke-test-job.yaml",
      kinds: ["Job"],
      handled: { handling: "test", why: helmTest },
    },
  ],
};

/**
 * How the program makes sure an admission webhook of a pinned chart answers before anything it guards is
 * applied: a readiness gate (the Job in the component's after-charts phase that its own objects wait
 * for), or values that leave the webhook out. test/chart-facts holds it against every chart's webhooks.
 */
export type WebhookHandling =
  | { readonly handling: "gate"; readonly job: string; readonly why: string }
  | { readonly handling: "off"; readonly off: readonly string[]; readonly why: string };

/** Per chart name: each webhook configuration template and how it is handled. */
export const chartWebhooks: Readonly<Record<string, Readonly<Record<string, WebhookHandling>>>> = {
  metallb: {
    "templates/webhooks.yaml": {
      handling: "gate",
      job: "metallb-webhook-gate",
      why: "validates the IPAddressPools and L2Advertisement, failurePolicy Fail",
    },
    "charts/frr-k8s/templates/webhooks.yaml": {
      handling: "off",
      off: ["frrk8s.enabled"],
      why: "layer 2 only: the FRR-K8s subchart is not installed",
    },
  },
  "cert-manager": {
    "templates/webhook-mutating-webhook.yaml": {
      handling: "gate",
      job: "cert-manager-startupapicheck",
      why: "admits every cert-manager.io object; its CA bundle comes from the cainjector",
    },
    "templates/webhook-validating-webhook.yaml": {
      handling: "gate",
      job: "cert-manager-startupapicheck",
      why: "validates every cert-manager.io object, failurePolicy Fail",
    },
  },
  tuppr: {
    "templates/webhook.tpl": {
      handling: "gate",
      job: "tuppr-webhook-gate",
      why: "validates TalosUpgrades and KubernetesUpgrades, failurePolicy Fail, and admits none before Talos made the talosconfig Secret",
    },
  },
  "gateway-helm": {
    "templates/envoy-proxy-topology-injector-webhook.yaml": {
      handling: "off",
      off: ["topologyInjector.enabled"],
      why: "a hook as well; it would only label proxy pods (pods/binding, failurePolicy Ignore) and guards nothing the program applies",
    },
  },
  "mimir-distributed": Object.fromEntries(
    [
      "no-downscale-webhook.yaml",
      "pod-eviction-webhook.yaml",
      "prepare-downscale-webhook.yaml",
      "zone-aware-pod-disruption-budget-validating-webhook.yaml",
    ].map((file) => [
      `charts/rollout-operator/templates/${file}`,
      {
        handling: "off",
        off: ["rollout_operator.enabled"],
        why: "one replica per component: the rollout operator is not installed",
      } as const,
    ]),
  ),
};

/**
 * The buckets the MinIO subchart's post-install hook makes with mimir-distributed's default values
 * (`minio.buckets`): blocks (`mimir-tsdb`) and ruler/alertmanager state (`mimir-ruler`). test/chart-facts
 * checks them against the pinned chart.
 */
export const mimirMinioBuckets = ["mimir-tsdb", "mimir-ruler"] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What the MinIO subchart's post-install hook would do for Mimir: its buckets, made by a Job in `scope`
 * (the LGTM component's with-charts phase) with the credentials MinIO itself reads; returns the Job's pods
 * as a workload. Nothing when the charts hold no mimir-distributed with its MinIO.
 */
export function mimirBuckets(
  scope: Construct,
  namespace: string,
  helmCharts: readonly HelmChart[],
): ComponentWorkload | undefined {
  const mimir = helmCharts.find((chart) => chart.name === "mimir-distributed");
  const minio = isRecord(mimir?.values.minio) ? mimir.values.minio : undefined;
  if (!mimir || !minio || minio.enabled === false) return undefined;
  // minio.fullname: the release name contains the chart name only with a `minio` release.
  const fullname =
    typeof minio.fullnameOverride === "string" && minio.fullnameOverride !== ""
      ? minio.fullnameOverride
      : `${mimir.release}-minio`;
  const secret =
    typeof minio.existingSecret === "string" && minio.existingSecret !== "" ? minio.existingSecret : fullname;
  const buckets = Array.isArray(minio.buckets)
    ? minio.buckets.map((bucket) => String((bucket as { name: unknown }).name))
    : [...mimirMinioBuckets];
  const name = `${fullname}-make-buckets`;
  new MinioBuckets(scope, "mimir-minio-buckets", {
    namespace,
    name,
    endpoint: `http://${fullname}.${namespace}.svc:9000`,
    credentials: { name: secret, userKey: "rootUser", passwordKey: "rootPassword" },
    buckets,
    revision: pins.charts.mimir,
  });
  // Reaches MinIO in its own namespace, which the LGTM stack's policies open among its pods.
  return { name: "minio-buckets", podLabels: installJobPodLabels(name) };
}
