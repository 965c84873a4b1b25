import { App, Chart } from "cdk8s";
import { HomelabApp, MetalLb, type GatewayRef } from "homelab-platform/constructs";

const app = new App();
const chart = new Chart(app, "lab");

new MetalLb(chart, "metallb", { addresses: ["192.168.1.240-192.168.1.250"] });

// Inside the platform these come from `new EnvoyGateway(...)`: `gateways.internal` and `gateways.public`.
const internal: GatewayRef = {
  name: "internal",
  namespace: "envoy-gateway-system",
  attachLabel: { key: "gateway.homelab.dev/internal", value: "true" },
  proxyNamespace: "envoy-gateway-system",
  proxyPodLabels: { "gateway.envoyproxy.io/owning-gateway-name": "internal" },
  address: "192.168.1.240",
  httpsListener: "https",
};

const postgres = new HomelabApp(chart, "postgres", {
  name: "postgres",
  profile: "worker",
  source: {
    helm: { repoUrl: "oci://registry-1.docker.io/bitnamicharts", chart: "postgresql", version: "16.7.27" },
  },
});

new HomelabApp(chart, "wiki", {
  name: "wiki",
  profile: "web-app-internal",
  source: { git: { repoUrl: "https://github.com/example/wiki", path: "deploy", revision: "main" } },
  exposures: [{ host: "wiki.example.com", gateway: internal, service: "wiki", port: 80, targetPort: 3000 }],
  allowTo: [postgres],
});

// Namespaces, Argo CD projects and applications, ServiceAccounts, NetworkPolicies, an HTTPRoute.
export const kinds: string[] = chart.toJson().map((object: { kind: string }) => object.kind);
app.synth();
