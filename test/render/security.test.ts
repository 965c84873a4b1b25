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
