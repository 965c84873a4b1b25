import { NetworkPolicyEvaluator } from "../support/network-policy-evaluator";
import { renderedClusters } from "./rendered-clusters";

/** What the rendered dev cluster's policies allow, asked of every object the render applies. */
const dev = renderedClusters().find((cluster) => cluster.source === "Pulumi.dev.yaml")!;
const policies = new NetworkPolicyEvaluator(dev.objects);

const pod = (namespace: string, labels: Record<string, string> = {}) => ({ namespace, labels });
const internalGateway = pod("envoy-gateway-system", {
  "gateway.envoyproxy.io/owning-gateway-name": "internal",
  "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
});
const publicGateway = pod("envoy-gateway-system", {
  "gateway.envoyproxy.io/owning-gateway-name": "public",
  "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
});
const kubeDns = pod("kube-system", { "k8s-app": "kube-dns" });
const n8n = pod("n8n");
const postgres = pod("postgres");
const website = pod("website");
const qbittorrent = pod("qbittorrent");
const internet = { ip: "1.1.1.1" };
const lan = { ip: "10.20.20.50" };

describe("the dev cluster's rendered NetworkPolicies", () => {
  it.each([
    ["the internal gateway reaches n8n on its port", internalGateway, n8n, 5678, "TCP", true],
    ["the internal gateway does not reach n8n on another port", internalGateway, n8n, 22, "TCP", false],
    ["the public gateway does not reach the internal-only n8n", publicGateway, n8n, 5678, "TCP", false],
    ["the public gateway reaches the public website", publicGateway, website, 8080, "TCP", true],
    ["n8n calls postgres, which it is allowed to", n8n, postgres, 5432, "TCP", true],
    ["postgres does not call n8n: allowTo opens one direction", postgres, n8n, 5678, "TCP", false],
    ["the website does not call postgres", website, postgres, 5432, "TCP", false],
    ["the gateway reaches no worker", internalGateway, postgres, 5432, "TCP", false],
    ["apps resolve names through kube-dns", website, kubeDns, 53, "UDP", true],
    ["a web-app reaches the internet", website, internet, 443, "TCP", true],
    ["no app reaches the LAN", website, lan, 443, "TCP", false],
    ["the internet reaches the torrent port", internet, qbittorrent, 51413, "UDP", true],
    ["the internet reaches no web port of the media server", internet, qbittorrent, 8080, "TCP", false],
  ] as const)("%s", (_, from, to, port, protocol, expected) => {
    expect(policies.allowed(from, to, port, protocol)).toBe(expected);
  });
});
