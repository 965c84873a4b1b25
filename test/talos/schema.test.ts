import { pins } from "../../pins";
import { validateTalosDocument, validateTalosPatch } from "../support/talos-schema";

const hostname = { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "ed-n1" };
const link = {
  apiVersion: "v1alpha1",
  kind: "LinkConfig",
  name: "eno1",
  addresses: [{ address: "10.20.0.11/24" }],
  routes: [{ gateway: "10.20.0.1" }],
};
const vip = { apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: "10.20.0.10", link: "eno1" };
const resolver = { apiVersion: "v1alpha1", kind: "ResolverConfig", nameservers: [{ address: "10.10.0.53" }] };
const timeSync = {
  apiVersion: "v1alpha1",
  kind: "TimeSyncConfig",
  ntp: { servers: ["time.cloudflare.com"] },
};
const machinePatch = {
  machine: {
    install: {
      disk: "/dev/nvme0n1",
      image: `factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:${pins.talos.version}`,
    },
    kubelet: { nodeIP: { validSubnets: ["10.20.0.0/24"] } },
    nodeLabels: { "topology.kubernetes.io/zone": "az1" },
    features: { kubePrism: { enabled: true, port: 7445 } },
  },
  cluster: {
    allowSchedulingOnControlPlanes: true,
    apiServer: { certSANs: ["10.20.0.10", "k8s.prod.example.com"] },
    network: { cni: { name: "flannel" }, podSubnets: ["10.244.0.0/16"], serviceSubnets: ["10.96.0.0/12"] },
    proxy: { disabled: false },
  },
};

describe("validateTalosDocument accepts", () => {
  it.each([
    ["a HostnameConfig", hostname],
    ["a LinkConfig with addresses and a default route", link],
    ["a Layer2VIPConfig", vip],
    ["a ResolverConfig", resolver],
    ["a TimeSyncConfig", timeSync],
    ["a v1alpha1 patch, which names neither apiVersion nor kind", machinePatch],
    ["a whole v1alpha1 config", { version: "v1alpha1", ...machinePatch }],
  ])("%s", (_, doc) => {
    expect(validateTalosDocument(doc)).toEqual([]);
  });
});

describe("validateTalosDocument rejects", () => {
  it.each([
    [
      "a HostnameConfig with an unknown auto mode",
      { ...hostname, auto: "random" },
      ['HostnameConfig /auto: must be one of "stable", "off"'],
    ],
    [
      "a HostnameConfig with an unknown key",
      { ...hostname, domain: "lan" },
      ['HostnameConfig /: unknown key "domain"'],
    ],
    [
      "a LinkConfig without a name",
      { apiVersion: "v1alpha1", kind: "LinkConfig", addresses: link.addresses },
      ['LinkConfig /: missing required key "name"'],
    ],
    [
      "a LinkConfig address without a prefix length",
      { ...link, addresses: [{ address: "10.20.0.11" }] },
      ['LinkConfig /addresses/0/address: must match pattern "^[0-9a-f.:]+/\\d{1,3}$"'],
    ],
    [
      "a LinkConfig route with an unknown key",
      { ...link, routes: [{ gw: "10.20.0.1" }] },
      ['LinkConfig /routes/0: unknown key "gw"'],
    ],
    [
      "a Layer2VIPConfig whose name is not a string",
      { ...vip, name: 10 },
      ["Layer2VIPConfig /name: must be string"],
    ],
    [
      "a Layer2VIPConfig with an unknown key",
      { ...vip, interface: "eno1" },
      ['Layer2VIPConfig /: unknown key "interface"'],
    ],
    [
      "a ResolverConfig whose nameservers are plain strings",
      { ...resolver, nameservers: ["10.10.0.53"] },
      ["ResolverConfig /nameservers/0: must be object"],
    ],
    [
      "a ResolverConfig with an unknown key",
      { ...resolver, search: ["lan"] },
      ['ResolverConfig /: unknown key "search"'],
    ],
    [
      "a TimeSyncConfig whose servers are not a list",
      { ...timeSync, ntp: { servers: "time.cloudflare.com" } },
      ["TimeSyncConfig /ntp/servers: must be array"],
    ],
    [
      "a TimeSyncConfig with an unknown key",
      { ...timeSync, servers: ["time.cloudflare.com"] },
      ['TimeSyncConfig /: unknown key "servers"'],
    ],
    [
      "a v1alpha1 patch with a wrong type",
      { machine: { ...machinePatch.machine, kubelet: { nodeIP: { validSubnets: "10.20.0.0/24" } } } },
      ["v1alpha1 machine config /machine/kubelet/nodeIP/validSubnets: must be array"],
    ],
    [
      "a v1alpha1 patch with an unknown CNI",
      {
        cluster: {
          ...machinePatch.cluster,
          network: { ...machinePatch.cluster.network, cni: { name: "cilium" } },
        },
      },
      ['v1alpha1 machine config /cluster/network/cni/name: must be one of "flannel", "custom", "none"'],
    ],
    [
      "a v1alpha1 patch with an unknown key",
      { cluster: { apiServer: { certSans: ["10.20.0.10"] } } },
      ['v1alpha1 machine config /cluster/apiServer: unknown key "certSans"'],
    ],
    [
      "a v1alpha1 patch that sets machine.network, replaced by documents in Talos 1.12",
      { machine: { network: { hostname: "ed-n1" } } },
      ['v1alpha1 machine config /machine: unknown key "network"'],
    ],
    [
      "a v1alpha1 config of another version",
      { version: "v1alpha2", ...machinePatch },
      ['v1alpha1 machine config /version: must be one of "v1alpha1"'],
    ],
    [
      "a document of a kind the schema does not know",
      { apiVersion: "v1alpha1", kind: "HostConfig", hostname: "ed-n1" },
      ['apiVersion "v1alpha1", kind "HostConfig": no such document kind in talos-v1.13.9-config.schema.json'],
    ],
    [
      "a known kind under an unknown apiVersion",
      { ...hostname, apiVersion: "v1beta1" },
      [
        'apiVersion "v1beta1", kind "HostnameConfig": no such document kind in talos-v1.13.9-config.schema.json',
      ],
    ],
    [
      "a document with a kind but no apiVersion",
      { kind: "HostnameConfig", hostname: "ed-n1" },
      [
        'apiVersion undefined, kind "HostnameConfig": no such document kind in talos-v1.13.9-config.schema.json',
      ],
    ],
    ["a document that is not a mapping", ["machine"], ['document is not a mapping: ["machine"]']],
  ])("%s", (_, doc, problems) => {
    expect(validateTalosDocument(doc)).toEqual(problems);
  });

  it("a wrong type and an unknown key in one document, reporting both", () => {
    expect(validateTalosDocument({ ...link, mtu: "1500", speed: 1000 })).toEqual([
      'LinkConfig /: unknown key "speed"',
      "LinkConfig /mtu: must be integer",
    ]);
  });
});

describe("validateTalosPatch", () => {
  it("accepts the multi-document patch of a control-plane node", () => {
    const patch = [hostname, link, vip, resolver, timeSync, machinePatch]
      .map((doc) => JSON.stringify(doc))
      .join("\n---\n");
    expect(validateTalosPatch(patch)).toEqual([]);
  });

  it("names the document each problem is in", () => {
    expect(
      validateTalosPatch(
        "apiVersion: v1alpha1\nkind: HostnameConfig\nauto: off\n---\nmachine: {nodeLabels: []}\n",
      ),
    ).toEqual(["document 2: v1alpha1 machine config /machine/nodeLabels: must be object"]);
  });
});
