import { accessAudiencePlaceholder } from "../../charts";
import { enabledApps, platformNamespaces } from "../../inventory";
import {
  AccessEvaluator,
  encodeToken,
  type GatewayRequest,
  type TokenClaims,
} from "../support/access-evaluator";
import { NetworkPolicyEvaluator } from "../support/network-policy-evaluator";
import { renderedClusters } from "./rendered-clusters";

const clusters = renderedClusters();
const now = Date.UTC(2026, 0, 15) / 1000;

type Route = { kind: string; metadata: { name: string; namespace: string }; spec: { hostnames?: string[] } };

/** Every rendered cluster that serves an app hostname, with its exposures split by Access. */
const cases = clusters.map((cluster) => {
  const exposures = enabledApps(cluster.inventory).flatMap((app) => app.expose);
  const routes = cluster.objects.filter((object) => object.kind === "HTTPRoute") as unknown as Route[];
  const routeOf = (host: string) => {
    const found = routes.filter((route) => route.spec.hostnames?.includes(host));
    if (found.length !== 1) throw new Error(`${host} is routed by ${found.length} HTTPRoutes, not 1`);
    return found[0].metadata;
  };
  return { cluster, exposures, routes, routeOf };
});

it("some rendered cluster protects a hostname with Access, and some serves one without", () => {
  const exposures = cases.flatMap((each) => each.exposures);
  expect(exposures.some((exposure) => exposure.access === true)).toBe(true);
  expect(exposures.some((exposure) => exposure.access !== true)).toBe(true);
});

describe.each(cases.map((each) => [each.cluster.source, each] as const))(
  "%s",
  (_, { cluster, exposures, routes }) => {
    const evaluator = new AccessEvaluator(cluster.objects);
    const protectedExposures = exposures.filter((exposure) => exposure.access === true);

    it("puts a policy on no Gateway: only the routes that ask for it demand a token", () => {
      expect(evaluator.gatewayPolicies()).toEqual([]);
    });

    // A hub's ingest routes demand the spokes' basic auth instead (test/render/telemetry-auth.test.ts).
    const telemetryHost =
      cluster.charts.telemetry?.role === "hub" ? cluster.charts.telemetry.hostname : undefined;
    const isIngest = (route: Route) =>
      telemetryHost !== undefined && (route.spec.hostnames ?? []).includes(telemetryHost);

    it("has a token policy for each Access-protected hostname and no other", () => {
      const policies = cluster.objects.filter(
        (object) => object.kind === "SecurityPolicy" && (object.spec as { jwt?: unknown }).jwt !== undefined,
      );
      expect(policies).toHaveLength(protectedExposures.length);
      const ingest = routes.filter(isIngest);
      expect(
        cluster.objects.filter((object) => object.kind === "SecurityPolicy").length - policies.length,
      ).toBe(ingest.length);
    });

    it("admits requests without a token on every route without Access", () => {
      const open = routes.filter(
        (route) =>
          !isIngest(route) &&
          !(route.spec.hostnames ?? []).some((host) =>
            protectedExposures.some((exposure) => exposure.host === host),
          ),
      );
      // Every cluster with a gateway routes something without Access (its UIs, the HTTP redirects).
      expect(open.length > 0).toBe(routes.length > 0);
      for (const { metadata } of open) {
        expect([metadata.name, evaluator.policiesOnRoute(metadata.namespace, metadata.name)]).toEqual([
          metadata.name,
          [],
        ]);
        expect([metadata.name, evaluator.evaluate({ route: metadata, now })]).toEqual([
          metadata.name,
          { allowed: true },
        ]);
      }
    });
  },
);

/** The per-cluster facts the tests of one protected hostname need. */
function clusterFacts(each: (typeof cases)[number]) {
  const teamName = each.cluster.inventory.cloudflare?.access.teamName;
  return {
    evaluator: new AccessEvaluator(each.cluster.objects),
    routeOf: each.routeOf,
    // Written out rather than taken from the construct, so that a wrong URL there fails here.
    issuer: `https://${teamName}.cloudflareaccess.com`,
    teamKeys: `https://${teamName}.cloudflareaccess.com/cdn-cgi/access/certs`,
  };
}

/** The public gateway's Envoy pods, which fetch the team's keys themselves. */
const publicProxy = {
  namespace: platformNamespaces.envoyGateway,
  labels: {
    "gateway.envoyproxy.io/owning-gateway-name": "public",
    "gateway.envoyproxy.io/owning-gateway-namespace": platformNamespaces.envoyGateway,
  },
};
/** An address of Cloudflare's, such as <team>.cloudflareaccess.com resolves to. */
const cloudflareAddress = { ip: "104.16.0.1" };

it("lets the public gateway's proxies fetch the team's keys wherever a hostname is protected", () => {
  const protectedClusters = cases.filter((each) =>
    each.exposures.some((exposure) => exposure.access === true),
  );
  expect(protectedClusters.length).toBeGreaterThan(0);
  for (const { cluster } of protectedClusters) {
    const network = new NetworkPolicyEvaluator(cluster.objects);
    expect([cluster.source, network.allowed(publicProxy, cloudflareAddress, 443)]).toEqual([
      cluster.source,
      true,
    ]);
  }
});

/** Every Access-protected hostname of every rendered cluster. */
const protectedCases = cases.flatMap((each) => {
  const facts = clusterFacts(each);
  return each.exposures
    .filter((exposure) => exposure.access === true)
    .map((exposure) => [each.cluster.source, exposure.host, facts] as const);
});

describe.each(protectedCases)(
  "%s: Access-protected %s",
  (_source, host, { evaluator, routeOf, issuer, teamKeys }) => {
    const route = routeOf(host);
    const audience = accessAudiencePlaceholder(host);
    const token = (claims: Partial<TokenClaims> = {}) =>
      encodeToken({
        issuer,
        audiences: [audience],
        expiresAt: now + 3600,
        signedWithKeysOf: teamKeys,
        ...claims,
      });
    const request = (carries: Omit<GatewayRequest, "route" | "now">) => ({ route, now, ...carries });
    const refused = (status: number, reason: string) => ({ allowed: false, status, reason });

    it("is guarded by exactly one policy", () => {
      expect(evaluator.policiesOnRoute(route.namespace, route.name)).toHaveLength(1);
    });

    it("refuses a request without a token", () => {
      expect(evaluator.evaluate(request({}))).toMatchObject(refused(401, "Jwt is missing"));
    });

    it("refuses a token of another Access application of the team", () => {
      const other = token({ audiences: [accessAudiencePlaceholder(`other-${host}`)] });
      expect(evaluator.evaluate(request({ headers: { "Cf-Access-Jwt-Assertion": other } }))).toMatchObject(
        refused(403, "Audiences in Jwt are not allowed"),
      );
    });

    it("refuses a token of another team, signed with its own keys", () => {
      const foreign = token({
        issuer: "https://other-team.cloudflareaccess.com",
        signedWithKeysOf: "https://other-team.cloudflareaccess.com/cdn-cgi/access/certs",
      });
      expect(evaluator.evaluate(request({ cookies: { CF_Authorization: foreign } }))).toMatchObject(
        refused(401, "Jwt issuer is not configured"),
      );
    });

    it("refuses a token with the team's claims that the team's keys did not sign", () => {
      const forged = token({ signedWithKeysOf: "https://attacker.example/certs" });
      expect(evaluator.evaluate(request({ headers: { "Cf-Access-Jwt-Assertion": forged } }))).toMatchObject(
        refused(401, "Jwt verification fails"),
      );
    });

    it("refuses an expired token", () => {
      const expired = token({ expiresAt: now - 1 });
      expect(evaluator.evaluate(request({ cookies: { CF_Authorization: expired } }))).toMatchObject(
        refused(401, "Jwt is expired"),
      );
    });

    it("reads the token from the Access header and cookie only, not from Authorization", () => {
      expect(evaluator.evaluate(request({ headers: { Authorization: `Bearer ${token()}` } }))).toMatchObject(
        refused(401, "Jwt is missing"),
      );
    });

    it("refuses a good cookie beside a bad header: every token must pass", () => {
      const bad = token({ audiences: ["someone-else"] });
      expect(
        evaluator.evaluate(
          request({ headers: { "Cf-Access-Jwt-Assertion": bad }, cookies: { CF_Authorization: token() } }),
        ),
      ).toMatchObject({ allowed: false });
    });

    it("admits the team's token for this application, in the header Cloudflare adds", () => {
      expect(evaluator.evaluate(request({ headers: { "cf-access-jwt-assertion": token() } }))).toEqual({
        allowed: true,
        policy: `${route.namespace}/${route.name}`,
      });
    });

    it("admits the same token in the CF_Authorization cookie, as a browser on the LAN sends it", () => {
      expect(evaluator.evaluate(request({ cookies: { CF_Authorization: token() } }))).toMatchObject({
        allowed: true,
      });
    });
  },
);
