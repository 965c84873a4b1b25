import type { FakeOutputs } from "./pulumi-harness";

/** What Cloudflare and the random provider would return; no real credentials. */
export const edgeFakes: FakeOutputs = {
  "random:index/randomBytes:RandomBytes": () => ({ base64: "ZmFrZS1ieXRlcy1mb3ItdGVzdHMtb25seS0xMjM0NTY=" }),
  "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken": () => ({
    token: "fake-tunnel-token",
  }),
};
