import { Chart, Testing } from "cdk8s";
import { Cilium, ciliumAgentCapabilities, ciliumCleanStateCapabilities } from "../../constructs/cilium";
import { pins } from "../../pins";

const build = (props: ConstructorParameters<typeof Cilium>[2] = {}) =>
  new Cilium(new Chart(Testing.app(), "test"), "cilium", props);

describe("Cilium", () => {
  it("installs the pinned chart into kube-system, which Talos exempts from Pod Security", () => {
    const [chart, ...more] = build().helmCharts;
    expect(more).toEqual([]);
    expect(chart).toMatchObject({
      repository: "https://helm.cilium.io",
      name: "cilium",
      version: pins.cni.cilium,
      namespace: "kube-system",
    });
  });

  // Talos guide "Deploying Cilium CNI" (v1.13) and siderolabs/talos hack/test/e2e.sh: what Talos needs.
  it("sets the values Talos's Cilium guide requires", () => {
    const { values } = build().helmCharts[0];
    expect(values).toMatchObject({
      ipam: { mode: "kubernetes" },
      kubeProxyReplacement: true,
      k8sServiceHost: "localhost",
      k8sServicePort: 7445,
      cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    });
    const capabilities = (values.securityContext as { capabilities: Record<string, string[]> }).capabilities;
    expect(capabilities.ciliumAgent).toEqual([...ciliumAgentCapabilities]);
    expect(capabilities.cleanCiliumState).toEqual([...ciliumCleanStateCapabilities]);
    // Talos loads no kernel module on a workload's behalf; the chart's defaults ask for it.
    for (const list of Object.values(capabilities)) expect(list).not.toContain("SYS_MODULE");
  });

  it("lets NetworkPolicy ipBlocks match node addresses, so policies can name the API server", () => {
    expect(build().helmCharts[0].values.policyCIDRMatchMode).toBe("nodes");
  });

  it("leaves LoadBalancer addresses and their announcement to MetalLB", () => {
    expect(build().helmCharts[0].values).toMatchObject({
      enableLBIPAM: false,
      l2announcements: { enabled: false },
    });
  });

  it("keeps Hubble off: its Helm-generated certificates would change on every pulumi up", () => {
    expect(build().helmCharts[0].values.hubble).toEqual({ enabled: false });
  });

  it("points the agents at another API address when asked", () => {
    const { values } = build({ apiServerHost: "10.0.0.5", apiServerPort: 6443 }).helmCharts[0];
    expect(values).toMatchObject({ k8sServiceHost: "10.0.0.5", k8sServicePort: 6443 });
  });

  it("names its pods as host-networked, outside NetworkPolicy", () => {
    const { workloads } = build();
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) expect(workload.hostNetwork).toBe(true);
  });

  it.each([0, 1.5, -1])("refuses %p operator replicas", (replicas) => {
    expect(() => build({ operatorReplicas: replicas })).toThrow(
      /operatorReplicas must be a whole number of at least 1/,
    );
  });
});
