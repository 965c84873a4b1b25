import { Testing } from "cdk8s";
import { MetalLb, type MetalLbProps } from "../../constructs/metal-lb";
import { pins } from "../../pins";
import { validateHelmValues } from "../support/helm-values";
import { validateManifest } from "../support/k8s-schema";
import { installJobName } from "../../constructs/install-job";

const addresses = ["192.168.1.240-192.168.1.250", "10.10.0.0/28"];

/** The webhook gate goes to its own phase chart, as the platform applies it: `manifests` are MetalLB's own. */
function synth(props: MetalLbProps = { addresses }) {
  const chart = Testing.chart();
  const afterCharts = Testing.chart();
  const metalLb = new MetalLb(chart, "metallb", { phases: { afterCharts }, ...props });
  return { metalLb, manifests: Testing.synth(chart), gate: Testing.synth(afterCharts) };
}

describe("MetalLb's webhook readiness gate", () => {
  it("is a Job that dry-runs an L2Advertisement with just the RBAC to create one, in the afterCharts phase", () => {
    const { gate } = synth();
    expect(gate.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`)).toEqual([
      "ServiceAccount/metallb-webhook-gate",
      "Role/metallb-webhook-gate",
      "RoleBinding/metallb-webhook-gate",
      "ConfigMap/metallb-webhook-gate",
      `Job/${installJobName("metallb-webhook-gate", `${pins.charts.metallb}-${pins.images.kubectl}`)}`,
    ]);
    expect(gate.find((manifest) => manifest.kind === "Role")!.rules).toEqual([
      { apiGroups: ["metallb.io"], resources: ["l2advertisements"], verbs: ["create"] },
    ]);
    const job = gate.find((manifest) => manifest.kind === "Job")!;
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image: `registry.k8s.io/kubectl:${pins.images.kubectl}`,
      args: ["create", "--dry-run=server", "--filename=/probe/probe.json", "--output=name"],
    });
    expect(job.metadata.annotations["config.kubernetes.io/depends-on"].split(",")).toHaveLength(4);
    expect(gate.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("goes among MetalLB's own objects when no phase is given", () => {
    const chart = Testing.chart();
    new MetalLb(chart, "metallb", { addresses });
    const manifests = Testing.synth(chart);
    expect(manifests.map((manifest) => manifest.kind)).toContain("Job");
    // …and the pools and the advertisement wait for it where Pulumi applies them as one group.
    for (const manifest of manifests.filter((each) => each.apiVersion.startsWith("metallb.io/"))) {
      expect(manifest.metadata.annotations).toEqual({
        "config.kubernetes.io/depends-on": `batch/namespaces/metallb-system/Job/${installJobName("metallb-webhook-gate", `${pins.charts.metallb}-${pins.images.kubectl}`)}`,
      });
    }
  });
});

describe("MetalLb with addresses reserved for the gateways", () => {
  const reserved = {
    addresses: ["192.168.1.242-192.168.1.250"],
    reservedAddresses: ["192.168.1.240", "192.168.1.241"],
  };

  it("keeps them in a pool MetalLB never assigns on its own, announced with the other", () => {
    const { manifests } = synth(reserved);
    expect(manifests.filter((manifest) => manifest.kind === "IPAddressPool")).toEqual([
      expect.objectContaining({
        metadata: { name: "default", namespace: "metallb-system" },
        spec: { addresses: ["192.168.1.242-192.168.1.250"] },
      }),
      expect.objectContaining({
        metadata: { name: "default-reserved", namespace: "metallb-system" },
        spec: { addresses: ["192.168.1.240/32", "192.168.1.241/32"], autoAssign: false },
      }),
    ]);
    const advertisement = manifests.find((manifest) => manifest.kind === "L2Advertisement");
    expect(advertisement?.spec).toEqual({ ipAddressPools: ["default", "default-reserved"] });
    expect(manifests.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("needs no other address: a pool of only the gateways' addresses is fine", () => {
    const { manifests } = synth({ addresses: [], reservedAddresses: ["192.168.1.240"] });
    expect(
      manifests.filter((manifest) => manifest.kind === "IPAddressPool").map((pool) => pool.metadata.name),
    ).toEqual(["default-reserved"]);
  });

  it("refuses a reserved address inside the assignable pool", () => {
    expect(() => synth({ addresses: ["192.168.1.240/29"], reservedAddresses: ["192.168.1.241"] })).toThrow(
      /reservedAddresses\[0\] 192\.168\.1\.241 lies in addresses — MetalLB pools must not overlap/,
    );
  });
});

describe("MetalLb", () => {
  it("synthesizes the pool and its L2 advertisement, and the chart to install first", () => {
    const { metalLb, manifests } = synth();
    expect({ manifests, helmCharts: metalLb.helmCharts }).toMatchSnapshot();
  });

  it("puts every address into the pool", () => {
    const pool = synth().manifests.find((manifest) => manifest.kind === "IPAddressPool");
    expect(pool).toMatchObject({
      apiVersion: "metallb.io/v1beta1",
      metadata: { name: "default", namespace: "metallb-system" },
      spec: { addresses },
    });
  });

  it("announces the pool over layer 2", () => {
    const advertisement = synth().manifests.find((manifest) => manifest.kind === "L2Advertisement");
    expect(advertisement).toMatchObject({
      apiVersion: "metallb.io/v1beta1",
      metadata: { namespace: "metallb-system" },
      spec: { ipAddressPools: ["default"] },
    });
  });

  it("exposes the pool name, and uses the one given", () => {
    const { metalLb, manifests } = synth({ addresses, poolName: "lan", namespace: "lb" });
    expect(metalLb.poolName).toBe("lan");
    expect(manifests.map((manifest) => [manifest.kind, manifest.metadata])).toEqual([
      ["IPAddressPool", { name: "lan", namespace: "lb" }],
      ["L2Advertisement", { name: "lan", namespace: "lb" }],
    ]);
    expect(manifests[1].spec.ipAddressPools).toEqual(["lan"]);
  });

  it("synthesizes only objects that pass their upstream schema", () => {
    expect(synth().manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("installs the pinned metallb chart with values its schema accepts, in a privileged namespace", () => {
    const { metalLb } = synth();
    expect(metalLb.namespace).toEqual({ name: "metallb-system", podSecurity: "privileged" });
    expect(metalLb.helmCharts).toHaveLength(1);
    const [chart] = metalLb.helmCharts;
    expect(chart).toMatchObject({
      repository: "https://metallb.github.io/metallb",
      name: "metallb",
      version: pins.charts.metallb,
      namespace: "metallb-system",
    });
    expect(chart.values).toMatchObject({ speaker: { ignoreExcludeLB: true }, frrk8s: { enabled: false } });
    const problems = validateHelmValues(chart.name, chart.version, chart.values);
    expect(problems).toBeDefined();
    expect(problems).toEqual([]);
  });

  it.each([["192.168.1.240/28"], ["fd00:10::/64"], ["192.168.1.240 - 192.168.1.250"], ["fd00::10-fd00::20"]])(
    "accepts %s",
    (address) => {
      expect(() => synth({ addresses: [address] })).not.toThrow();
    },
  );

  it.each([
    [[], "metallb: addresses must not be empty: list a CIDR"],
    [["192.168.1.300/28"], 'metallb: addresses[0] "192.168.1.300/28" is not a CIDR'],
    [["192.168.1.0/33"], 'metallb: addresses[0] "192.168.1.0/33" is not a CIDR'],
    [["10.0.0.0/24", "lan"], 'metallb: addresses[1] "lan" is not a CIDR'],
    [
      ["192.168.1.250-192.168.1.240"],
      'addresses[0] "192.168.1.250-192.168.1.240" must not start after its last address',
    ],
    [["192.168.1.240-fd00::1"], 'addresses[0] "192.168.1.240-fd00::1" is not a CIDR'],
    [["192.168.1.240"], 'addresses[0] "192.168.1.240" is a single address: write it as 192.168.1.240/32'],
  ])("rejects addresses %j", (badAddresses, message) => {
    expect(() => synth({ addresses: badAddresses })).toThrow(message);
  });
});

describe("install Jobs", () => {
  it("are named after their revision, so a new revision is a new Job rather than an update Kubernetes refuses", () => {
    expect(installJobName("metallb-webhook-gate", "0.16.1")).toBe("metallb-webhook-gate-0-16-1");
    expect(installJobName("gate", undefined)).toBe("gate");
    const long = installJobName("envoy-gateway-gateway-helm-certgen", "docker.io/envoyproxy/gateway:v1.9.0");
    expect(long).toMatch(/^envoy-gateway-gateway-helm-certgen-[0-9a-f]{8}$/);
    expect(long).not.toBe(
      installJobName("envoy-gateway-gateway-helm-certgen", "docker.io/envoyproxy/gateway:v1.9.1"),
    );
  });

  it("tell Pulumi how long to wait, and to replace a Job that failed instead of awaiting it again", () => {
    const chart = Testing.chart();
    new MetalLb(chart, "metallb", { addresses: ["192.168.1.240-192.168.1.250"] });
    const job = Testing.synth(chart).find((manifest) => manifest.kind === "Job")!;
    expect(job.metadata.annotations).toMatchObject({
      "pulumi.com/timeoutSeconds": String(job.spec.activeDeadlineSeconds + 60),
      "pulumi.com/replaceUnready": "true",
    });
  });
});
