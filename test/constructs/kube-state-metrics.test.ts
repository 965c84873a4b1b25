import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Chart, Testing } from "cdk8s";
import {
  KubeStateMetrics,
  kubeStateMetricsPolicy,
  kubeStateMetricsOmittedResources,
  kubeStateMetricsWorkload,
} from "../../constructs/kube-state-metrics";
import { addComponentPolicies, type KubernetesApiAccess } from "../../constructs/platform-policies";
import type { TelemetryCollectorRef } from "../../constructs/telemetry-collector";
import { pins } from "../../pins";
import { validateManifest } from "../support/k8s-schema";
import { NetworkPolicyEvaluator, type PodEndpoint } from "../support/network-policy-evaluator";
import { podSecurityLevel, podSecurityViolations } from "../support/pod-security";
import { workloadProblems } from "../support/workload-security";

// Kubernetes manifests are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

/** Upstream's default collectors and RBAC manifest at the pinned release, copied with their source. */
const upstream = JSON.parse(
  readFileSync(path.resolve(__dirname, "../fixtures/upstream/kube-state-metrics-v2.20.0.json"), "utf8"),
) as {
  source: { tag: string; commit: string };
  defaultResources: string[];
  clusterRoleRules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
};

function synth(namespace = "monitoring") {
  const chart = Testing.chart();
  const ksm = new KubeStateMetrics(chart, "kube-state-metrics", { namespace });
  return { ksm, objects: Testing.synth(chart) as Manifest[] };
}

const named = (objects: Manifest[], kind: string): Manifest => {
  const matching = objects.filter((object) => object.kind === kind);
  expect(matching).toHaveLength(1);
  return matching[0];
};

describe("KubeStateMetrics", () => {
  const { ksm, objects } = synth();
  const deployment = named(objects, "Deployment");
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;

  it("synthesizes a ServiceAccount, a ClusterRole and its binding, a Deployment and a Service, each schema-valid", () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      "ServiceAccount/kube-state-metrics",
      "ClusterRole/kube-state-metrics",
      "ClusterRoleBinding/kube-state-metrics",
      "Deployment/kube-state-metrics",
      "Service/kube-state-metrics",
    ]);
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
    expect(objects).toMatchSnapshot();
  });

  it("puts its namespaced objects in the namespace it is given", () => {
    const namespaced = objects.filter((object) => !object.kind.startsWith("ClusterRole"));
    expect(namespaced.map((object) => object.metadata.namespace)).toEqual(Array(3).fill("monitoring"));
    const elsewhere = synth("observability").objects;
    expect(named(elsewhere, "ClusterRoleBinding").subjects).toEqual([
      { kind: "ServiceAccount", name: "kube-state-metrics", namespace: "observability" },
    ]);
  });

  it("keeps its cluster-scoped objects out of a Chart's default namespace", () => {
    const chart = new Chart(Testing.app(), "monitoring", { namespace: "monitoring" });
    new KubeStateMetrics(chart, "kube-state-metrics", { namespace: "monitoring" });
    const inChart: Manifest[] = Testing.synth(chart);
    expect(inChart.map((object) => [object.kind, object.metadata.namespace])).toEqual([
      ["ServiceAccount", "monitoring"],
      ["ClusterRole", undefined],
      ["ClusterRoleBinding", undefined],
      ["Deployment", "monitoring"],
      ["Service", "monitoring"],
    ]);
  });

  it("runs one replica of the pinned image, as its ServiceAccount", () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(container.image).toBe(
      `registry.k8s.io/kube-state-metrics/kube-state-metrics:${pins.images.kubeStateMetrics}`,
    );
    expect(pins.images.kubeStateMetrics).toBe(upstream.source.tag);
    expect(pod.serviceAccountName).toBe(named(objects, "ServiceAccount").metadata.name);
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it("meets Pod Security restricted and the project's workload rules", () => {
    expect(podSecurityViolations(deployment, "restricted")).toEqual([]);
    expect(podSecurityLevel(deployment)).toBe("restricted");
    expect(workloadProblems(deployment)).toEqual([]);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.resources).toEqual({
      requests: { cpu: "20m", memory: "64Mi" },
      limits: { cpu: "250m", memory: "256Mi" },
    });
  });

  it("declares http-metrics on 8080 and telemetry on 8081, which its flags set and its probes use", () => {
    expect(container.ports).toEqual([
      { name: "http-metrics", containerPort: 8080, protocol: "TCP" },
      { name: "telemetry", containerPort: 8081, protocol: "TCP" },
    ]);
    expect(container.args.slice(0, 2)).toEqual(["--port=8080", "--telemetry-port=8081"]);
    expect(ksm.metricsPort).toBe(8080);
    const declared = container.ports.map((port: Manifest) => port.name);
    // Upstream's endpoints: /livez on the metrics server, /readyz on the telemetry server.
    expect(container.livenessProbe.httpGet).toEqual({ path: "/livez", port: "http-metrics" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "telemetry" });
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(declared).toContain(probe.httpGet.port);
    }
  });

  it("has a headless Service selecting exactly its pods, on the declared ports", () => {
    const service = named(objects, "Service");
    expect(service.spec.clusterIP).toBe("None");
    expect(service.spec.selector).toEqual(ksm.workload.podLabels);
    expect(deployment.spec.selector.matchLabels).toEqual(ksm.workload.podLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(ksm.workload.podLabels);
    const declared = container.ports.map((port: Manifest) => port.name);
    expect(service.spec.ports.map((port: Manifest) => port.targetPort)).toEqual(declared);
  });

  it("binds its ServiceAccount to the ClusterRole", () => {
    expect(named(objects, "ClusterRoleBinding")).toMatchObject({
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kube-state-metrics" },
      subjects: [{ kind: "ServiceAccount", name: "kube-state-metrics", namespace: "monitoring" }],
    });
  });
});

describe("KubeStateMetrics' ClusterRole", () => {
  const rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = named(
    synth().objects,
    "ClusterRole",
  ).rules;
  /** `group/resource`, as upstream's ClusterRole puts each default resource. */
  const upstreamGroup = (resource: string): string => {
    const rule = upstream.clusterRoleRules.find((candidate) => candidate.resources.includes(resource));
    if (!rule) throw new Error(`upstream's ClusterRole does not grant ${resource}`);
    return `${rule.apiGroups[0]}/${resource}`;
  };
  const granted = rules.flatMap((rule) =>
    rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`)),
  );

  it("only reads: list and watch, never a write, never a wildcard", () => {
    for (const rule of rules) {
      expect(rule.verbs.every((verb) => ["get", "list", "watch"].includes(verb))).toBe(true);
      expect([...rule.apiGroups, ...rule.resources]).not.toContain("*");
    }
  });

  const collected = upstream.defaultResources.filter(
    (resource) => !kubeStateMetricsOmittedResources.includes(resource),
  );

  it.each(collected)("lets it list and watch %s, in upstream's API group", (resource) => {
    const [group] = upstreamGroup(resource).split("/");
    expect(
      rules.some(
        (rule) =>
          rule.apiGroups.includes(group) &&
          rule.resources.includes(resource) &&
          ["list", "watch"].every((verb) => rule.verbs.includes(verb)),
      ),
    ).toBe(true);
  });

  it(`grants exactly kube-state-metrics ${upstream.source.tag}'s default resources but Secrets and ConfigMaps, nothing besides`, () => {
    expect(upstream.defaultResources).toHaveLength(32);
    expect(
      kubeStateMetricsOmittedResources.every((resource) => upstream.defaultResources.includes(resource)),
    ).toBe(true);
    expect([...granted].sort()).toEqual(collected.map(upstreamGroup).sort());
    expect(granted.some((resource) => resource.endsWith("/secrets"))).toBe(false);
  });

  it("collects exactly what it may list: --resources names the granted resources", () => {
    const deployment = named(synth().objects, "Deployment");
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    const flag = args.find((arg) => arg.startsWith("--resources="))!;
    expect(flag.slice("--resources=".length).split(",").sort()).toEqual([...collected].sort());
  });
});

describe("kubeStateMetricsPolicy", () => {
  const controlPlanes = ["192.168.1.11", "192.168.1.12"];
  const apiServer: KubernetesApiAccess = {
    addresses: [...controlPlanes, "192.168.1.10"],
    controlPlaneAddresses: controlPlanes,
    port: 6443,
  };
  // In a namespace of its own, whose egress no policy here limits: only kube-state-metrics' side is tested.
  const collector: TelemetryCollectorRef = {
    namespace: "observability",
    podLabels: { "app.kubernetes.io/name": "alloy" },
    otlpPorts: [4317, 4318],
  };
  // As the namespace's owner includes it: one addComponentPolicies call, one default-deny.
  const chart = Testing.chart();
  const ksm = new KubeStateMetrics(chart, "kube-state-metrics", { namespace: "monitoring" });
  addComponentPolicies(chart, {
    namespace: "monitoring",
    collector,
    policies: [kubeStateMetricsPolicy(apiServer)],
  });
  const objects: Manifest[] = Testing.synth(chart);
  const network = new NetworkPolicyEvaluator(objects);
  const ksmPod: PodEndpoint = {
    namespace: "monitoring",
    labels: named(objects, "Deployment").spec.template.metadata.labels,
  };
  const collectorPod: PodEndpoint = { namespace: collector.namespace, labels: collector.podLabels };
  const appPod: PodEndpoint = { namespace: "apps", labels: { app: "web" } };

  it("selects the construct's pods and names its metrics port", () => {
    expect(kubeStateMetricsPolicy(apiServer)).toMatchObject({ workload: ksm.workload, metricsPorts: [8080] });
    expect(ksm.workload).toEqual(kubeStateMetricsWorkload);
    expect(ksm.workload).toEqual({
      name: "kube-state-metrics",
      podLabels: { "app.kubernetes.io/name": "kube-state-metrics" },
    });
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
  });

  it("writes no NetworkPolicy of its own: the namespace's owner writes its default-deny once", () => {
    expect(synth().objects.filter((object) => object.kind === "NetworkPolicy")).toEqual([]);
    expect(objects.filter((object) => object.metadata.name === "default-deny")).toHaveLength(1);
  });

  it.each<[string, PodEndpoint | { ip: string }, PodEndpoint | { ip: string }, number]>([
    ["kube-state-metrics to the API at the VIP", ksmPod, { ip: "192.168.1.10" }, 6443],
    ["kube-state-metrics to the API on a control plane", ksmPod, { ip: controlPlanes[1] }, 6443],
    ["the collector to http-metrics", collectorPod, ksmPod, 8080],
  ])("let %s", (_name, from, to, port) => {
    expect(network.allowed(from, to, port)).toBe(true);
  });

  it.each<[string, PodEndpoint | { ip: string }, PodEndpoint | { ip: string }, number]>([
    ["the collector to telemetry", collectorPod, ksmPod, 8081],
    ["an app pod to http-metrics", appPod, ksmPod, 8080],
    ["kube-state-metrics to an app pod", ksmPod, appPod, 8080],
    ["kube-state-metrics to the internet", ksmPod, { ip: "140.82.112.34" }, 443],
  ])("deny %s", (_name, from, to, port) => {
    expect(network.allowed(from, to, port)).toBe(false);
  });
});

describe("KubeStateMetrics' props", () => {
  it("rejects a namespace that is no DNS label, naming it", () => {
    expect(() => synth("Monitoring")).toThrow('namespace "Monitoring" must be a DNS label');
  });
});
