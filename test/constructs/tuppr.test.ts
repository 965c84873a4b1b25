import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdk8s";
import { parseAllDocuments } from "yaml";
import { installJobName } from "../../constructs/install-job";
import type { KubernetesApiAccess } from "../../constructs/platform-policies";
import type { TelemetryCollectorRef } from "../../constructs/telemetry-collector";
import { Tuppr, tupprWaitFor, type TupprProps } from "../../constructs/tuppr";
import { pins } from "../../pins";
import { chartFacts, valueAt } from "../support/helm-names";
import { validateManifest } from "../support/k8s-schema";
import { NetworkPolicyEvaluator, type Endpoint, type PodEndpoint } from "../support/network-policy-evaluator";
import { validateTalosDocument } from "../support/talos-schema";

// Kubernetes manifests are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

const controlPlanes = ["192.168.1.11", "192.168.1.12", "192.168.1.13"];
const vip = "192.168.1.10";
const worker = "192.168.1.21";
const apiServer: KubernetesApiAccess = {
  addresses: [...controlPlanes, vip],
  controlPlaneAddresses: controlPlanes,
  port: 6443,
};
const telemetry: TelemetryCollectorRef = {
  namespace: "observability",
  podLabels: { "app.kubernetes.io/name": "alloy" },
  otlpPorts: [4317, 4318],
};
const baseProps: TupprProps = { talosVersion: "v1.13.9", kubernetesVersion: "1.36.3", apiServer, telemetry };
// The chart and the kubectl image: a bump of either is a new Job.
const gateJob = installJobName("tuppr-webhook-gate", `${pins.charts.tuppr}-${pins.images.kubectl}`);

/** Each phase in a chart of its own, as the platform applies them. */
function synth(props: Partial<TupprProps> = {}) {
  const chart = Testing.chart();
  const beforeCharts = Testing.chart();
  const afterCharts = Testing.chart();
  const tuppr = new Tuppr(chart, "tuppr", { ...baseProps, phases: { beforeCharts, afterCharts }, ...props });
  return {
    tuppr,
    own: Testing.synth(chart) as Manifest[],
    before: Testing.synth(beforeCharts) as Manifest[],
    after: Testing.synth(afterCharts) as Manifest[],
  };
}

const named = (manifests: Manifest[], kind: string, name?: string): Manifest => {
  const matching = manifests.filter(
    (manifest) => manifest.kind === kind && (name === undefined || manifest.metadata.name === name),
  );
  expect(matching).toHaveLength(1);
  return matching[0];
};

describe("Tuppr", () => {
  const { tuppr, own, before, after } = synth();

  it("synthesizes only objects that pass their upstream schema (the vendored tuppr CRDs for the CRs)", () => {
    expect([...before, ...after, ...own].flatMap((manifest) => validateManifest(manifest))).toEqual([]);
    expect(own.map((manifest) => manifest.kind)).toEqual(
      expect.arrayContaining(["TalosUpgrade", "KubernetesUpgrade", "NetworkPolicy"]),
    );
  });

  it("applies the two vendored CRDs, exactly, before the chart (whose crds/ is empty)", () => {
    const directory = path.resolve(__dirname, `../../vendor/schemas/crds/tuppr-${pins.charts.tuppr}`);
    const vendored = fs
      .readdirSync(directory)
      .sort()
      .flatMap((file) =>
        parseAllDocuments(fs.readFileSync(path.join(directory, file), "utf8")).map((document) =>
          document.toJS(),
        ),
      );
    expect(vendored.map((crd) => crd.metadata.name)).toEqual([
      "kubernetesupgrades.tuppr.home-operations.com",
      "talosupgrades.tuppr.home-operations.com",
    ]);
    expect(before).toEqual(vendored);
    expect(before.map((crd) => crd.spec.scope)).toEqual(["Cluster", "Cluster"]);
    expect([...own, ...after].filter((manifest) => manifest.kind === "CustomResourceDefinition")).toEqual([]);
  });

  it("asks Pulumi for a TalosUpgrade named talos at the Talos version, waited for until completed", () => {
    const upgrade = named(own, "TalosUpgrade");
    expect(upgrade).toEqual({
      apiVersion: "tuppr.home-operations.com/v1alpha1",
      kind: "TalosUpgrade",
      metadata: {
        name: "talos",
        annotations: {
          "pulumi.com/waitFor": '["condition=Ready","jsonpath={.status.phase}=Completed"]',
          "pulumi.com/timeoutSeconds": "21600",
        },
      },
      spec: { talos: { version: "v1.13.9" } },
    });
    expect(JSON.parse(tupprWaitFor)).toEqual(["condition=Ready", "jsonpath={.status.phase}=Completed"]);
    expect(tuppr.talosUpgrade.toJson()).toEqual(upgrade);
  });

  it("asks for a KubernetesUpgrade named kubernetes at v<kubernetesVersion>, applied after the TalosUpgrade", () => {
    const upgrade = named(own, "KubernetesUpgrade");
    expect(upgrade).toEqual({
      apiVersion: "tuppr.home-operations.com/v1alpha1",
      kind: "KubernetesUpgrade",
      metadata: {
        name: "kubernetes",
        annotations: {
          "pulumi.com/waitFor": '["condition=Ready","jsonpath={.status.phase}=Completed"]',
          "pulumi.com/timeoutSeconds": "21600",
          // Cluster-scoped: <group>/<kind>/<name>, no namespaces segment (pulumi-kubernetes yaml/v2).
          "config.kubernetes.io/depends-on": "tuppr.home-operations.com/TalosUpgrade/talos",
        },
      },
      spec: { kubernetes: { version: "v1.36.3" } },
    });
    expect(tuppr.kubernetesUpgrade.toJson()).toEqual(upgrade);
  });

  it("leaves spec.policy out: its CRD default (debug: true) applies only when it is there", () => {
    for (const kind of ["TalosUpgrade", "KubernetesUpgrade"]) {
      expect(Object.keys(named(own, kind).spec)).toEqual([kind === "TalosUpgrade" ? "talos" : "kubernetes"]);
    }
  });

  it("takes the upgrade timeout it is given", () => {
    const { own: objects } = synth({ upgradeTimeoutSeconds: 7200 });
    for (const kind of ["TalosUpgrade", "KubernetesUpgrade"]) {
      expect(named(objects, kind).metadata.annotations["pulumi.com/timeoutSeconds"]).toBe("7200");
    }
  });

  it("gates the CRs on a Job in afterCharts that dry-runs a TalosUpgrade, with a ClusterRole to create one", () => {
    expect(after.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`)).toEqual([
      "ServiceAccount/tuppr-webhook-gate",
      "ClusterRole/tuppr-webhook-gate",
      "ClusterRoleBinding/tuppr-webhook-gate",
      "ConfigMap/tuppr-webhook-gate",
      `Job/${gateJob}`,
    ]);
    expect(named(after, "ClusterRole").rules).toEqual([
      { apiGroups: ["tuppr.home-operations.com"], resources: ["talosupgrades"], verbs: ["create"] },
    ]);
    expect(named(after, "ClusterRoleBinding")).toMatchObject({
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "tuppr-webhook-gate" },
      subjects: [{ kind: "ServiceAccount", name: "tuppr-webhook-gate", namespace: "tuppr" }],
    });
    const probe = JSON.parse(named(after, "ConfigMap").data["probe.json"]);
    expect(probe).toEqual({
      apiVersion: "tuppr.home-operations.com/v1alpha1",
      kind: "TalosUpgrade",
      metadata: { name: "tuppr-webhook-gate-probe" },
      // Fixed, not the target: a version bump leaves the gate's Job as it is.
      spec: { talos: { version: "v1.0.0" } },
    });
    expect(validateManifest(probe)).toEqual([]);
    const job = named(after, "Job");
    expect(job.metadata.namespace).toBe("tuppr");
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image: `registry.k8s.io/kubectl:${pins.images.kubectl}`,
      args: ["create", "--dry-run=server", "--filename=/probe/probe.json", "--output=name"],
    });
    expect(job.metadata.annotations["config.kubernetes.io/depends-on"].split(",")).toEqual([
      "/namespaces/tuppr/ServiceAccount/tuppr-webhook-gate",
      "rbac.authorization.k8s.io/ClusterRole/tuppr-webhook-gate",
      "rbac.authorization.k8s.io/ClusterRoleBinding/tuppr-webhook-gate",
      "/namespaces/tuppr/ConfigMap/tuppr-webhook-gate",
    ]);
  });

  it("without phases keeps the CRDs and the gate among its own objects, and the CRs wait for the gate", () => {
    const chart = Testing.chart();
    new Tuppr(chart, "tuppr", { talosVersion: "v1.13.9", kubernetesVersion: "1.36.3" });
    const objects: Manifest[] = Testing.synth(chart);
    expect(objects.filter((manifest) => manifest.kind === "CustomResourceDefinition")).toHaveLength(2);
    expect(named(objects, "Job").metadata.name).toBe(gateJob);
    const gate = `batch/namespaces/tuppr/Job/${gateJob}`;
    expect(named(objects, "TalosUpgrade").metadata.annotations["config.kubernetes.io/depends-on"]).toBe(gate);
    expect(named(objects, "KubernetesUpgrade").metadata.annotations["config.kubernetes.io/depends-on"]).toBe(
      `tuppr.home-operations.com/TalosUpgrade/talos,${gate}`,
    );
    // No apiServer: no NetworkPolicies.
    expect(objects.filter((manifest) => manifest.kind === "NetworkPolicy")).toEqual([]);
    expect(objects.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("installs the pinned chart in a restricted namespace, with values keys the chart has", () => {
    expect(tuppr.namespace).toEqual({ name: "tuppr", podSecurity: "restricted" });
    expect(tuppr.helmCharts).toHaveLength(1);
    const [chart] = tuppr.helmCharts;
    expect(chart).toMatchObject({
      repository: "oci://ghcr.io/home-operations/charts",
      name: "tuppr",
      version: pins.charts.tuppr,
      release: "tuppr",
      namespace: "tuppr",
    });
    expect(chart.values).toMatchObject({
      fullnameOverride: "tuppr",
      controller: { logLevel: "info" },
      webhook: { enabled: true, port: 9443 },
    });
    const facts = chartFacts(chart.name, chart.version);
    const leaves = (values: Manifest, prefix: string[] = []): string[] =>
      typeof values === "object" &&
      values !== null &&
      !Array.isArray(values) &&
      Object.keys(values).length > 0
        ? Object.entries(values).flatMap(([key, child]) => leaves(child, [...prefix, key]))
        : [prefix.join(".")];
    const unknown = leaves(chart.values).filter(
      (key) =>
        valueAt(facts.values, key) === undefined &&
        !facts.valuesReferences.includes(key) &&
        // Under a map whose default is empty (resources): the chart hands it on whole.
        !key
          .split(".")
          .some(
            (_, index, parts) =>
              JSON.stringify(valueAt(facts.values, parts.slice(0, index).join("."))) === "{}",
          ),
    );
    expect(unknown).toEqual([]);
    expect(leaves(chart.values)).toContain("resources.limits.memory");
  });

  it("names the controller's pods by the chart's selector labels", () => {
    const facts = chartFacts("tuppr", pins.charts.tuppr);
    expect(facts.values.nameOverride).toBe("");
    expect(tuppr.workloads.map((workload) => [workload.name, workload.podLabels])).toEqual([
      ["controller", { "app.kubernetes.io/name": facts.chart.name, "app.kubernetes.io/instance": "tuppr" }],
      ["upgrade-jobs", { "app.kubernetes.io/part-of": "tuppr" }],
      [
        "webhook-gate",
        { "app.kubernetes.io/name": "tuppr-webhook-gate", "app.kubernetes.io/component": "install-job" },
      ],
    ]);
  });

  it("says what Talos must allow for the talosconfig Secret, valid in a machine config", () => {
    expect(tuppr.talosApiAccess).toEqual({
      enabled: true,
      allowedRoles: ["os:admin"],
      allowedKubernetesNamespaces: ["tuppr"],
    });
    expect(synth({ namespace: "upgrades" }).tuppr.talosApiAccess.allowedKubernetesNamespaces).toEqual([
      "upgrades",
    ]);
    expect(
      validateTalosDocument({ machine: { features: { kubernetesTalosAPIAccess: tuppr.talosApiAccess } } }),
    ).toEqual([]);
  });
});

describe("Tuppr's NetworkPolicies", () => {
  const { own } = synth();
  const network = new NetworkPolicyEvaluator(own);
  const controller: PodEndpoint = {
    namespace: "tuppr",
    labels: {
      "app.kubernetes.io/name": "tuppr",
      "app.kubernetes.io/instance": "tuppr",
      "helm.sh/chart": "tuppr-0.5.0",
    },
  };
  // As tuppr's controller labels them (internal/controller/jobs/labels.go).
  const talosJob: PodEndpoint = {
    namespace: "tuppr",
    labels: {
      "app.kubernetes.io/name": "talos-upgrade",
      "app.kubernetes.io/instance": "talos",
      "app.kubernetes.io/part-of": "tuppr",
      "tuppr.home-operations.com/target-node": "cp-1",
    },
  };
  const kubernetesJob: PodEndpoint = {
    namespace: "tuppr",
    labels: {
      "app.kubernetes.io/name": "kubernetes-upgrade",
      "app.kubernetes.io/instance": "kubernetes",
      "app.kubernetes.io/part-of": "tuppr",
    },
  };
  const gate: PodEndpoint = {
    namespace: "tuppr",
    labels: { "app.kubernetes.io/name": "tuppr-webhook-gate", "app.kubernetes.io/component": "install-job" },
  };
  const collector: PodEndpoint = { namespace: "observability", labels: telemetry.podLabels };
  const appPod: PodEndpoint = { namespace: "apps", labels: { app: "web" } };
  const kubeDns: PodEndpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
  const internet = { ip: "140.82.112.34" };

  it.each<[string, Endpoint, Endpoint, number, ("TCP" | "UDP")?]>([
    ["the controller to the API at the VIP", controller, { ip: vip }, 6443],
    ["the controller to the API on a control plane", controller, { ip: controlPlanes[2] }, 6443],
    ["the controller to apid on a control plane", controller, { ip: controlPlanes[0] }, 50000],
    ["the controller to a registry over HTTPS", controller, internet, 443],
    ["the controller to kube-dns", controller, kubeDns, 53, "UDP"],
    ["a Talos upgrade Job to the API", talosJob, { ip: vip }, 6443],
    ["a Talos upgrade Job to apid on a control plane", talosJob, { ip: controlPlanes[1] }, 50000],
    ["a Kubernetes upgrade Job to the API on a control plane", kubernetesJob, { ip: controlPlanes[0] }, 6443],
    ["a Kubernetes upgrade Job to apid on a control plane", kubernetesJob, { ip: controlPlanes[2] }, 50000],
    ["a Kubernetes upgrade Job to kube-dns", kubernetesJob, kubeDns, 53, "UDP"],
    ["the readiness gate to the API", gate, { ip: vip }, 6443],
    ["the API server on each control plane to the webhook", { ip: controlPlanes[0] }, controller, 9443],
    ["the API server on another control plane to the webhook", { ip: controlPlanes[2] }, controller, 9443],
    ["the collector to the controller's metrics", collector, controller, 8081],
  ])("let %s", (_name, from, to, port, protocol = "TCP") => {
    expect(network.allowed(from, to, port, protocol)).toBe(true);
  });

  it.each<[string, Endpoint, Endpoint, number]>([
    ["an app pod to the webhook", appPod, controller, 9443],
    ["an app pod to the controller's metrics", appPod, controller, 8081],
    ["the internet to the controller", internet, controller, 9443],
    ["a worker to the webhook", { ip: worker }, controller, 9443],
    ["the controller to an arbitrary pod", controller, appPod, 8080],
    ["the controller to apid on a worker", controller, { ip: worker }, 50000],
    ["the controller to the internet over plain HTTP", controller, internet, 80],
    ["the controller to the internet's apid", controller, internet, 50000],
    ["an upgrade Job to a registry", talosJob, internet, 443],
    ["an upgrade Job to apid on a worker", talosJob, { ip: worker }, 50000],
    ["an upgrade Job to an arbitrary pod", kubernetesJob, appPod, 8080],
    ["the readiness gate to apid", gate, { ip: controlPlanes[0] }, 50000],
    ["the readiness gate to the internet", gate, internet, 443],
    ["the collector to an upgrade Job", collector, talosJob, 8081],
    ["the collector to the webhook", collector, controller, 9443],
  ])("deny %s", (_name, from, to, port) => {
    expect(network.allowed(from, to, port)).toBe(false);
  });

  it("let no collector scrape when none is given", () => {
    const withoutCollector = new NetworkPolicyEvaluator(synth({ telemetry: undefined }).own);
    expect(withoutCollector.allowed(collector, controller, 8081)).toBe(false);
    expect(withoutCollector.allowed({ ip: controlPlanes[0] }, controller, 9443)).toBe(true);
  });
});

describe("Tuppr's props", () => {
  it.each<[string, Partial<TupprProps>, string]>([
    [
      "a Talos version without its v",
      { talosVersion: "1.13.9" },
      'talosVersion "1.13.9" must be a Talos version',
    ],
    ["a malformed Talos version", { talosVersion: "v1.13" }, 'talosVersion "v1.13" must be a Talos version'],
    ["a Talos version with a space", { talosVersion: "v1.13.9 " }, 'talosVersion "v1.13.9 " must be'],
    [
      "a malformed Kubernetes version",
      { kubernetesVersion: "1.36" },
      'kubernetesVersion "1.36" must be a Kubernetes version',
    ],
    [
      "a Kubernetes version with a v",
      { kubernetesVersion: "v1.36.3" },
      'kubernetesVersion "v1.36.3" must be a Kubernetes version such as 1.36.3 (without the leading v',
    ],
    ["a timeout of 0", { upgradeTimeoutSeconds: 0 }, "upgradeTimeoutSeconds 0 must be a whole number"],
    [
      "a fractional timeout",
      { upgradeTimeoutSeconds: 1.5 },
      "upgradeTimeoutSeconds 1.5 must be a whole number",
    ],
    ["a namespace that is no DNS label", { namespace: "Tuppr" }, 'namespace "Tuppr" must be a DNS label'],
  ])("reject %s, naming the prop", (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it("accept pre-release versions, as tuppr's webhook does", () => {
    const { own } = synth({ talosVersion: "v1.14.0-beta.1", kubernetesVersion: "1.37.0-rc.0" });
    expect(named(own, "TalosUpgrade").spec.talos.version).toBe("v1.14.0-beta.1");
    expect(named(own, "KubernetesUpgrade").spec.kubernetes.version).toBe("v1.37.0-rc.0");
    expect(own.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });
});
