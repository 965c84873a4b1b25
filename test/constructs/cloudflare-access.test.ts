import { Testing } from "cdk8s";
import { cloudflareAccessIssuer, cloudflareAccessPolicy } from "../../constructs/cloudflare-access";
import { validateManifest } from "../support/k8s-schema";
import { fullApp, vaultAudience } from "./homelab-app-fixtures";

describe("cloudflareAccessPolicy", () => {
  it("demands the team's token for one audience on one HTTPRoute, from the Access header or cookie only", () => {
    const chart = Testing.chart();
    cloudflareAccessPolicy(chart, "policy", {
      route: "vault.example.org",
      namespace: "vaultwarden",
      teamName: "lab-team",
      audience: "aud-1",
    });
    const [policy] = Testing.synth(chart);
    expect(policy).toEqual({
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "vault.example.org", namespace: "vaultwarden" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "vault.example.org" }],
        jwt: {
          providers: [
            {
              name: "cloudflare-access",
              issuer: "https://lab-team.cloudflareaccess.com",
              audiences: ["aud-1"],
              remoteJWKS: { uri: "https://lab-team.cloudflareaccess.com/cdn-cgi/access/certs" },
              extractFrom: { headers: [{ name: "Cf-Access-Jwt-Assertion" }], cookies: ["CF_Authorization"] },
            },
          ],
        },
      },
    });
    expect(validateManifest(policy as Record<string, unknown>)).toEqual([]);
  });

  it("names the team's issuer and its published keys", () => {
    expect(cloudflareAccessIssuer("myteam")).toEqual({
      issuer: "https://myteam.cloudflareaccess.com",
      certsUrl: "https://myteam.cloudflareaccess.com/cdn-cgi/access/certs",
    });
  });
});

describe("HomelabApp with an Access-protected exposure", () => {
  const { objects } = fullApp();
  const policies = objects.filter((object) => object.kind === "SecurityPolicy");

  it("puts a token check on the protected route alone, with the exposure's audience", () => {
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({
      metadata: { name: "vault.example.org", namespace: "vaultwarden" },
      spec: {
        targetRefs: [{ kind: "HTTPRoute", name: "vault.example.org" }],
        jwt: { providers: [{ audiences: [vaultAudience], issuer: "https://lab-team.cloudflareaccess.com" }] },
      },
    });
  });

  it("creates the protected route only after its policy, and leaves the other routes alone", () => {
    const annotationsOf = (name: string) =>
      (
        objects.find((object) => object.kind === "HTTPRoute" && object.metadata.name === name)!.metadata as {
          annotations?: Record<string, string>;
        }
      ).annotations;
    expect(annotationsOf("vault.example.org")).toEqual({
      "config.kubernetes.io/depends-on":
        "gateway.envoyproxy.io/namespaces/vaultwarden/SecurityPolicy/vault.example.org",
    });
    expect(annotationsOf("vault.home.example.org")).toBeUndefined();
  });
});
