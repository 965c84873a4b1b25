// Compiled by test/library.test.ts the way another project would: through the package's exports.
import { App, Chart } from "cdk8s";
import { HomelabApp, MetalLb, type GatewayRef } from "homelab-platform/constructs";

const chart = new Chart(new App(), "consumer");
new MetalLb(chart, "metallb", { addresses: ["192.168.1.240-192.168.1.250"] });
const internal: GatewayRef = {
  name: "internal",
  namespace: "envoy-gateway-system",
  attachLabel: { key: "homelab.dev/gateway-internal", value: "true" },
  proxyNamespace: "envoy-gateway-system",
  proxyPodLabels: { "gateway.envoyproxy.io/owning-gateway-name": "internal" },
  address: "192.168.1.240",
  httpsListener: "https",
};
new HomelabApp(chart, "wiki", {
  name: "wiki",
  profile: "web-app-internal",
  source: { git: { repoUrl: "https://github.com/example/wiki", path: "deploy" } },
  exposures: [{ host: "wiki.example.com", gateway: internal, service: "wiki", port: 80 }],
});
export const kinds: string[] = chart.toJson().map((object: { kind: string }) => object.kind);
