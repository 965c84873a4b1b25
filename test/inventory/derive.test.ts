import { autoAssignedPool, parseInventory, type ClusterInventory } from "../../inventory";

function withPool(loadBalancerPool: string[], internal: string, publicAddress: string): ClusterInventory {
  return parseInventory(
    {
      name: "lab",
      domain: "example.com",
      network: {
        subnet: "10.0.0.0/24",
        gateway: "10.0.0.1",
        nameservers: ["10.0.0.1"],
        vip: "10.0.0.10",
        loadBalancerPool,
      },
      nodes: [
        {
          name: "cp1",
          role: "controlplane",
          address: "10.0.0.11",
          host: { kind: "metal" },
          installDisk: "/dev/sda",
        },
      ],
      gateways: { internal, public: publicAddress },
      platform: {
        certManager: { enabled: false },
        envoyGateway: { enabled: false },
        cloudflared: { enabled: false },
      },
    },
    "derive.yaml",
  );
}

describe("the pool MetalLB assigns on its own leaves out the gateways' addresses", () => {
  it.each([
    [["10.0.0.200-10.0.0.220"], "10.0.0.200", "10.0.0.201", ["10.0.0.202-10.0.0.220"]],
    [
      ["10.0.0.200-10.0.0.220"],
      "10.0.0.205",
      "10.0.0.220",
      ["10.0.0.200-10.0.0.204", "10.0.0.206-10.0.0.219"],
    ],
    [["10.0.0.200-10.0.0.202"], "10.0.0.200", "10.0.0.202", ["10.0.0.201/32"]],
    [["10.0.0.200-10.0.0.201"], "10.0.0.200", "10.0.0.201", []],
    [
      ["10.0.0.192/28", "10.0.0.224/28"],
      "10.0.0.193",
      "10.0.0.239",
      ["10.0.0.192/32", "10.0.0.194-10.0.0.207", "10.0.0.224-10.0.0.238"],
    ],
  ])("%j without %s and %s is %j", (pool, internal, publicAddress, expected) => {
    expect(autoAssignedPool(withPool(pool, internal, publicAddress))).toEqual(expected);
  });
});
