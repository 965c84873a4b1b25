import { Testing } from "cdk8s";
import { addComponentPolicies, apiServerEgress, webhookIngress } from "../../constructs/platform-policies";

const api = { addresses: ["10.0.0.11", "10.0.0.10"], controlPlaneAddresses: ["10.0.0.11"], port: 6443 };

describe("addComponentPolicies", () => {
  it("refuses rules for host-networked pods, which NetworkPolicy does not reach", () => {
    const chart = Testing.chart();
    expect(() =>
      addComponentPolicies(chart, {
        namespace: "metallb-system",
        policies: [
          {
            workload: { name: "speaker", podLabels: { app: "speaker" }, hostNetwork: true },
            egress: [apiServerEgress(api)],
          },
        ],
      }),
    ).toThrow("metallb-system/speaker: host-networked pods are outside NetworkPolicy");
  });

  it("writes the default deny, DNS and one policy per workload with rules, selecting it by its labels", () => {
    const chart = Testing.chart();
    addComponentPolicies(chart, {
      namespace: "x",
      policies: [
        { workload: { name: "speaker", podLabels: { app: "speaker" }, hostNetwork: true } },
        { workload: { name: "idle", podLabels: { app: "idle" } } },
        {
          workload: { name: "webhook", podLabels: { app: "webhook" } },
          ingress: [webhookIngress(api, 9443)],
        },
      ],
    });
    const policies = Testing.synth(chart) as { metadata: { name: string }; spec: Record<string, unknown> }[];
    expect(policies.map((policy) => policy.metadata.name)).toEqual([
      "default-deny",
      "allow-dns",
      "allow-webhook",
    ]);
    expect(policies[2].spec).toEqual({
      podSelector: { matchLabels: { app: "webhook" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.11/32" } }], ports: [{ port: 9443, protocol: "TCP" }] }],
    });
  });
});
