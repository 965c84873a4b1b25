import { secretProblems, workloadProblems } from "../support/workload-security";
import { renderedClusters } from "./rendered-clusters";

const clusters = renderedClusters();

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))("%s", (_, cluster) => {
  it("every workload has requests and limits, probes, non-root, no escalation, read-only root", () => {
    expect(cluster.objects.flatMap(workloadProblems)).toEqual([]);
  });

  it("no Secret object carries data", () => {
    expect(cluster.objects.flatMap(secretProblems)).toEqual([]);
  });

  it("every Job meets Pod Security `restricted`, is bounded, and is never deleted by the cluster", () => {
    expect(cluster.objects.flatMap(jobProblems)).toEqual([]);
  });
});

type Json = Record<string, unknown>;

/**
 * What the program's Jobs (hook replacements, readiness gates) must have besides `workloadProblems`:
 * `restricted` Pod Security (RuntimeDefault seccomp, every capability dropped), a deadline and a retry
 * limit, and no `ttlSecondsAfterFinished` (a Job the cluster deletes is drift Pulumi would create again).
 */
function jobProblems(object: Json): string[] {
  if (object.kind !== "Job") return [];
  const name = `Job/${String((object.metadata as Json).name)}`;
  const spec = object.spec as Json;
  const pod = (spec.template as Json).spec as Json;
  const podContext = (pod.securityContext ?? {}) as Json;
  const problems: string[] = [];
  if (typeof spec.activeDeadlineSeconds !== "number") problems.push(`${name}: no activeDeadlineSeconds`);
  if (typeof spec.backoffLimit !== "number") problems.push(`${name}: no backoffLimit`);
  if (spec.ttlSecondsAfterFinished !== undefined) problems.push(`${name}: sets ttlSecondsAfterFinished`);
  for (const container of pod.containers as Json[]) {
    const context = (container.securityContext ?? {}) as Json;
    const seccomp = ((context.seccompProfile ?? podContext.seccompProfile) as Json | undefined)?.type;
    if (seccomp !== "RuntimeDefault") problems.push(`${name}: seccomp profile is not RuntimeDefault`);
    const drop = ((context.capabilities as Json | undefined)?.drop ?? []) as string[];
    if (!drop.includes("ALL")) problems.push(`${name}: does not drop ALL capabilities`);
    const limits = ((container.resources as Json | undefined)?.limits ?? {}) as Json;
    if (limits.cpu === undefined) problems.push(`${name}: no cpu limit`);
  }
  return problems;
}

it("the renders hold the install Jobs, so the Job checks inspect something", () => {
  const core = clusters.find((cluster) => cluster.source === "Pulumi.core.yaml")!;
  expect(
    core.objects
      .filter((object) => object.kind === "Job")
      .map((object) => ((object.metadata as Json).labels as Record<string, string>)["app.kubernetes.io/name"])
      .sort(),
  ).toEqual([
    "cert-manager-startupapicheck",
    "envoy-gateway-gateway-helm-certgen",
    "metallb-webhook-gate",
    "mimir-minio-make-buckets",
    "tuppr-webhook-gate",
  ]);
});

it("the Job checks catch a Job that cleans itself up or keeps capabilities", () => {
  const job = {
    kind: "Job",
    metadata: { name: "j" },
    spec: {
      backoffLimit: 1,
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: 30,
      template: { spec: { containers: [{ name: "c", resources: { limits: { cpu: "1" } } }] } },
    },
  };
  expect(jobProblems(job)).toEqual([
    "Job/j: sets ttlSecondsAfterFinished",
    "Job/j: seccomp profile is not RuntimeDefault",
    "Job/j: does not drop ALL capabilities",
  ]);
});

it("the renders do define workloads, so the checks above inspect something", () => {
  const prod = clusters.find((cluster) => cluster.source === "Pulumi.prod.yaml")!;
  expect(prod.objects.filter((object) => object.kind === "Deployment").length).toBeGreaterThan(0);
});

describe("the workload checks", () => {
  const container = {
    name: "web",
    image: "nginx",
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    readinessProbe: { httpGet: { path: "/", port: 80 } },
    livenessProbe: { httpGet: { path: "/", port: 80 } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
  };
  const deployment = (overrides: Record<string, unknown>, annotations?: Record<string, string>) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", annotations },
    spec: { template: { spec: { containers: [{ ...container, ...overrides }] } } },
  });

  it("pass a compliant workload", () => expect(workloadProblems(deployment({}))).toEqual([]));

  it.each([
    [
      { resources: { requests: { cpu: "10m", memory: "16Mi" } } },
      "Deployment/web container web: no memory limit",
    ],
    [{ livenessProbe: undefined }, "Deployment/web container web: needs a readiness and a liveness probe"],
    [
      { securityContext: { ...container.securityContext, runAsNonRoot: false } },
      "Deployment/web container web: may run as root",
    ],
    [
      { securityContext: { ...container.securityContext, allowPrivilegeEscalation: true } },
      "Deployment/web container web: allows privilege escalation",
    ],
    [
      { securityContext: { ...container.securityContext, readOnlyRootFilesystem: false } },
      "Deployment/web container web: has a writable root filesystem and no homelab.dev/writable-root-filesystem annotation saying why",
    ],
  ])("catch %j", (overrides, problem) => {
    expect(workloadProblems(deployment(overrides))).toEqual([problem]);
  });

  it("accept a writable root filesystem whose annotation says why", () => {
    const writable = { securityContext: { ...container.securityContext, readOnlyRootFilesystem: false } };
    expect(
      workloadProblems(
        deployment(writable, { "homelab.dev/writable-root-filesystem": "writes its cache to /app" }),
      ),
    ).toEqual([]);
  });

  it("catch a Secret that carries data", () => {
    expect(
      secretProblems({ kind: "Secret", metadata: { name: "token" }, stringData: { token: "x" } }),
    ).toEqual(["Secret/token: carries stringData"]);
  });
});
