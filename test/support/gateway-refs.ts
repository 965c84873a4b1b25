import type { GatewayRef } from "../../constructs/gateway-ref";

/** A gateway as EnvoyGateway describes it, for construct tests that only need its reference. */
export function testGateway(name: "internal" | "public", address: string): GatewayRef {
  return {
    name,
    namespace: "envoy-gateway-system",
    attachLabel: { key: `gateway.homelab.dev/${name}`, value: "true" },
    proxyNamespace: "envoy-gateway-system",
    proxyPodLabels: {
      "gateway.envoyproxy.io/owning-gateway-name": name,
      "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
    },
    address,
    httpsListener: "https",
  };
}
