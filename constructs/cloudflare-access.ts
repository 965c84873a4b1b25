import type { Construct } from "constructs";
import { SecurityPolicy } from "./imports/gateway.envoyproxy.io";

/** The header Cloudflare adds to every request that passed Access, holding the Access token. */
export const cloudflareAccessHeader = "Cf-Access-Jwt-Assertion";
/** The cookie a browser keeps after logging in through Access, holding the same token. */
export const cloudflareAccessCookie = "CF_Authorization";

/** Who issues a Zero Trust team's Access tokens, and where its signing keys are published. */
export interface CloudflareAccessIssuer {
  /** The token's `iss`: `https://<team>.cloudflareaccess.com`. */
  readonly issuer: string;
  /** The team's signing keys (JWKS): `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`. */
  readonly certsUrl: string;
}

/** The issuer and key set of the Zero Trust team `teamName` (the `<team>` of `<team>.cloudflareaccess.com`). */
export function cloudflareAccessIssuer(teamName: string): CloudflareAccessIssuer {
  const issuer = `https://${teamName}.cloudflareaccess.com`;
  return { issuer, certsUrl: `${issuer}/cdn-cgi/access/certs` };
}

/** What `cloudflareAccessPolicy` needs: one HTTPRoute and the Access application in front of its hostname. */
export interface CloudflareAccessPolicyProps {
  /** The HTTPRoute that demands the token, in `namespace`; the policy takes its name. */
  readonly route: string;
  /** The route's namespace: a policy attaches to routes of its own namespace only. */
  readonly namespace: string;
  /** The Zero Trust team name, the `<team>` of `<team>.cloudflareaccess.com`. */
  readonly teamName: string;
  /** The Access application's AUD tag: tokens for other applications of the team are refused. */
  readonly audience: string;
}

/**
 * An Envoy Gateway SecurityPolicy on one HTTPRoute: every request must carry a Cloudflare Access token
 * of the team, for this application's audience, signed by the team's keys and unexpired — in the
 * `Cf-Access-Jwt-Assertion` header Cloudflare adds, or the `CF_Authorization` cookie a browser keeps.
 * Without one Envoy answers 401 (403 for a token of another application) and the backend never sees the
 * request, however it reached the gateway: through the tunnel, from the LAN or from a pod.
 */
export function cloudflareAccessPolicy(
  scope: Construct,
  id: string,
  props: CloudflareAccessPolicyProps,
): SecurityPolicy {
  const { issuer, certsUrl } = cloudflareAccessIssuer(props.teamName);
  return new SecurityPolicy(scope, id, {
    metadata: { name: props.route, namespace: props.namespace },
    spec: {
      // The route, not the gateway: hostnames without Access on the same gateway demand nothing.
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: props.route }],
      jwt: {
        providers: [
          {
            name: "cloudflare-access",
            issuer,
            audiences: [props.audience],
            remoteJwks: { uri: certsUrl },
            // Only these two places: no Authorization header or query parameter, which Envoy would
            // otherwise read by default.
            extractFrom: {
              headers: [{ name: cloudflareAccessHeader }],
              cookies: [cloudflareAccessCookie],
            },
          },
        ],
      },
    },
  });
}
