import type { FakeOutputs } from "./pulumi-harness";

/** The AUD tag the fake Cloudflare gives the Access application of `domain`. */
export const fakeAccessAudience = (domain: string) => `fake-aud-${domain}`;

/** What Cloudflare and the random provider would return; no real credentials. */
export const edgeFakes: FakeOutputs = {
  "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication": (inputs) => ({
    aud: fakeAccessAudience(String(inputs.domain)),
  }),
  "random:index/randomBytes:RandomBytes": () => ({ base64: "ZmFrZS1ieXRlcy1mb3ItdGVzdHMtb25seS0xMjM0NTY=" }),
  "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken": () => ({
    token: "fake-tunnel-token",
  }),
};
