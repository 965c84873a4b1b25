import { Testing } from "cdk8s";
import { Cloudflared, type CloudflaredProps } from "../../constructs/cloudflared";
import { pins } from "../../pins";
import { testGateway } from "../support/gateway-refs";
import { validateManifest } from "../support/k8s-schema";
import { NetworkPolicyEvaluator, type PodEndpoint } from "../support/network-policy-evaluator";

// Kubernetes manifests are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = any;

const publicGateway = testGateway("public", "192.168.1.241");

const baseProps: CloudflaredProps = {
  tunnelTokenSecret: { name: "cloudflared-tunnel-token", key: "token" },
  publicGateway,
};

function synth(props: Partial<CloudflaredProps> = {}) {
  const chart = Testing.chart();
  const cloudflared = new Cloudflared(chart, "cloudflared", { ...baseProps, ...props });
  const manifests: Manifest[] = Testing.synth(chart);
  const only = (kind: string): Manifest => {
    const matching = manifests.filter((manifest) => manifest.kind === kind);
    expect(matching).toHaveLength(1);
    return matching[0];
  };
  return { cloudflared, manifests, only };
}

describe("Cloudflared", () => {
  const { cloudflared, manifests, only } = synth();
  const deployment = only("Deployment");
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  const podLabels = deployment.spec.template.metadata.labels;

  it("synthesizes the same manifests as before", () => {
    expect(manifests).toMatchSnapshot();
  });

  it("installs no chart and asks for a restricted namespace", () => {
    expect(cloudflared.helmCharts).toMatchSnapshot();
    expect(cloudflared.helmCharts).toEqual([]);
    expect(cloudflared.namespace).toEqual({ name: "cloudflared", podSecurity: "restricted" });
  });

  it("produces only objects that pass their upstream schema", () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      "Deployment",
      "NetworkPolicy",
      "NetworkPolicy",
      "NetworkPolicy",
      "PodDisruptionBudget",
    ]);
    expect(manifests.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("runs two replicas of the pinned image with the tunnel arguments", () => {
    expect(deployment.metadata.namespace).toBe("cloudflared");
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe(`docker.io/cloudflare/cloudflared:${pins.images.cloudflared}`);
    expect(container.args).toEqual(["tunnel", "--no-autoupdate", "--metrics", "0.0.0.0:2000", "run"]);
  });

  it("spreads the replicas over nodes with a hard anti-affinity on the hostname", () => {
    const terms = podSpec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(terms).toHaveLength(1);
    expect(terms[0].topologyKey).toBe("kubernetes.io/hostname");
    for (const [key, value] of Object.entries(terms[0].labelSelector.matchLabels)) {
      expect(podLabels[key]).toBe(value);
    }
  });

  it("keeps a disruption budget that selects exactly its pods", () => {
    const budget = only("PodDisruptionBudget");
    expect(budget.metadata.namespace).toBe("cloudflared");
    expect(budget.spec.maxUnavailable).toBe(1);
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    for (const [key, value] of Object.entries(budget.spec.selector.matchLabels)) {
      expect(podLabels[key]).toBe(value);
    }
  });

  it("is ready on /ready at the metrics port and alive while it serves /healthcheck", () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: 2000, scheme: "HTTP" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthcheck", port: 2000, scheme: "HTTP" });
  });

  it("reads TUNNEL_TOKEN from the given Secret key and creates no Secret", () => {
    expect(container.env).toEqual([
      {
        name: "TUNNEL_TOKEN",
        valueFrom: { secretKeyRef: { name: "cloudflared-tunnel-token", key: "token" } },
      },
    ]);
    expect(manifests.some((manifest) => manifest.kind === "Secret")).toBe(false);
  });

  it("runs as the image's non-root user, read-only and without privilege escalation", () => {
    expect(podSpec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  it("requests and limits CPU and memory", () => {
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  });

  describe("NetworkPolicies", () => {
    const policies = manifests.filter((manifest) => manifest.kind === "NetworkPolicy");
    const named = (name: string): Manifest => policies.find((policy) => policy.metadata.name === name);
    const egress: Manifest[] = named("allow-connector").spec.egress;

    it("deny everything in the namespace, then allow DNS and the connectors' egress", () => {
      expect(policies.map((policy) => policy.metadata.name)).toEqual([
        "default-deny",
        "allow-dns",
        "allow-connector",
      ]);
      expect(named("default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(named("allow-connector").spec.podSelector.matchLabels).toEqual(
        deployment.spec.selector.matchLabels,
      );
      expect(named("allow-connector").spec.policyTypes).toEqual(["Egress"]);
    });

    it("allows DNS to kube-dns over UDP and TCP", () => {
      expect(named("allow-dns").spec.egress).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ]);
    });

    it("allows HTTPS to the public gateway's proxy pods only, on the port they bind", () => {
      expect(egress).toContainEqual({
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } },
            podSelector: { matchLabels: publicGateway.proxyPodLabels },
          },
        ],
        ports: [{ protocol: "TCP", port: 10443 }],
      });
    });

    it("allows the tunnel ports to the internet but not to private, CGNAT or link-local ranges", () => {
      expect(egress).toContainEqual({
        to: [
          {
            ipBlock: {
              cidr: "0.0.0.0/0",
              except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
            },
          },
        ],
        ports: [
          { protocol: "TCP", port: 7844 },
          { protocol: "UDP", port: 7844 },
          { protocol: "TCP", port: 443 },
        ],
      });
      expect(egress).toHaveLength(2);
    });
  });

  describe("connections the NetworkPolicy allows", () => {
    const network = new NetworkPolicyEvaluator(manifests);
    const connector: PodEndpoint = { namespace: "cloudflared", labels: podLabels };
    const publicProxy: PodEndpoint = {
      namespace: "envoy-gateway-system",
      labels: publicGateway.proxyPodLabels,
    };

    it.each([
      ["kube-dns over UDP", { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }, 53, "UDP"],
      ["the public proxy's HTTPS container port", publicProxy, 10443, "TCP"],
      ["Cloudflare's edge over QUIC", { ip: "198.41.192.7" }, 7844, "UDP"],
      ["Cloudflare's edge over HTTP/2", { ip: "198.41.192.7" }, 7844, "TCP"],
    ] as const)("lets a connector reach %s", (_name, destination, port, protocol) => {
      expect(network.allowed(connector, destination, port, protocol)).toBe(true);
    });

    it.each([
      [
        "the internal gateway's proxies",
        {
          namespace: "envoy-gateway-system",
          labels: {
            "gateway.envoyproxy.io/owning-gateway-name": "internal",
            "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
          },
        },
        10443,
      ],
      ["an app pod", { namespace: "apps", labels: { app: "web" } }, 8080],
      ["the LAN", { ip: "192.168.1.10" }, 7844],
      ["the internet on another port", { ip: "198.41.192.7" }, 22],
    ] as const)("keeps a connector from reaching %s", (_name, destination, port) => {
      expect(network.allowed(connector, destination, port)).toBe(false);
    });

    it("admits no connection to the connectors, not even to the metrics port", () => {
      expect(network.allowed({ namespace: "monitoring", labels: {} }, connector, 2000)).toBe(false);
    });
  });

  it("honours replicas, image and namespace", () => {
    const custom = synth({ replicas: 3, image: "registry.example.org/cloudflared:1", namespace: "edge" });
    const customDeployment = custom.only("Deployment");
    expect(customDeployment.spec.replicas).toBe(3);
    expect(customDeployment.spec.template.spec.containers[0].image).toBe(
      "registry.example.org/cloudflared:1",
    );
    expect(custom.manifests.every((manifest) => manifest.metadata.namespace === "edge")).toBe(true);
    expect(custom.cloudflared.namespace.name).toBe("edge");
  });

  it.each([
    [{ replicas: 0 }, "Cloudflared: replicas must be a whole number of at least 1, got 0"],
    [{ replicas: 1.5 }, "Cloudflared: replicas must be a whole number of at least 1, got 1.5"],
    [
      { namespace: "Edge" },
      `Cloudflared: namespace must be a DNS label (lowercase letters, digits, '-'), got "Edge"`,
    ],
    [
      { tunnelTokenSecret: { name: "tunnel_token", key: "token" } },
      `Cloudflared: tunnelTokenSecret.name must be a Secret name (lowercase DNS subdomain), got "tunnel_token"`,
    ],
    [
      { tunnelTokenSecret: { name: "tunnel-token", key: "a/b" } },
      `Cloudflared: tunnelTokenSecret.key must be a Secret key (letters, digits, '-', '_', '.'), got "a/b"`,
    ],
  ])("rejects %j with a message naming the prop", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
