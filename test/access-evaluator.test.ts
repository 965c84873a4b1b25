import { AccessEvaluator, encodeToken, type TokenClaims } from "./support/access-evaluator";

const now = 1_800_000_000;
const keys = (team: string) => `https://${team}.cloudflareaccess.com/cdn-cgi/access/certs`;
const issuer = (team: string) => `https://${team}.cloudflareaccess.com`;

function token(claims: Partial<TokenClaims> = {}): string {
  return encodeToken({
    issuer: issuer("team"),
    audiences: ["aud-a"],
    expiresAt: now + 60,
    signedWithKeysOf: keys("team"),
    ...claims,
  });
}

function route(namespace: string, name: string, gateway = "public") {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace },
    spec: { parentRefs: [{ name: gateway, namespace: "gateways" }], hostnames: [`${name}.example.com`] },
  };
}

function provider(overrides: Record<string, unknown> = {}) {
  return {
    name: "cloudflare-access",
    issuer: issuer("team"),
    audiences: ["aud-a"],
    remoteJWKS: { uri: keys("team") },
    ...overrides,
  };
}

function policy(namespace: string, name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "SecurityPolicy",
    metadata: { name, namespace },
    spec,
  };
}

const onRoute = (namespace: string, name: string, jwt: Record<string, unknown>) =>
  policy(namespace, name, {
    targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }],
    jwt,
  });

const at = (namespace: string, name: string) => ({ namespace, name });

describe("AccessEvaluator", () => {
  it("admits everything on a route no policy targets", () => {
    const evaluator = new AccessEvaluator([route("a", "open")]);
    expect(evaluator.evaluate({ route: at("a", "open"), now })).toEqual({ allowed: true });
  });

  it("reads Authorization: Bearer and access_token by default, and nothing else", () => {
    const evaluator = new AccessEvaluator([
      route("a", "app"),
      onRoute("a", "app", { providers: [provider()] }),
    ]);
    const ask = (carries: object) => evaluator.evaluate({ route: at("a", "app"), now, ...carries });
    expect(ask({ headers: { authorization: `Bearer ${token()}` } })).toMatchObject({ allowed: true });
    expect(ask({ params: { access_token: token() } })).toMatchObject({ allowed: true });
    expect(ask({ headers: { Authorization: token() } })).toMatchObject({ allowed: false, status: 401 });
    expect(ask({ cookies: { CF_Authorization: token() } })).toMatchObject({
      allowed: false,
      reason: "Jwt is missing",
    });
  });

  it("checks issuer, time, audience and signature in Envoy's order, with its status codes", () => {
    const evaluator = new AccessEvaluator([
      route("a", "app"),
      onRoute("a", "app", { providers: [provider({ extractFrom: { headers: [{ name: "X-Token" }] } })] }),
    ]);
    const ask = (value: string) =>
      evaluator.evaluate({ route: at("a", "app"), now, headers: { "x-token": value } });
    expect(ask("not-a-jwt")).toMatchObject({
      status: 401,
      reason: "Jwt is not in the form of Header.Payload.Signature",
    });
    // A foreign issuer is reported before its expiry or audience.
    expect(ask(token({ issuer: issuer("other"), expiresAt: now - 1, audiences: ["x"] }))).toMatchObject({
      status: 401,
      reason: "Jwt issuer is not configured",
    });
    expect(ask(token({ expiresAt: now }))).toMatchObject({ status: 401, reason: "Jwt is expired" });
    expect(ask(token({ notBefore: now + 10 }))).toMatchObject({ status: 401, reason: "Jwt not yet valid" });
    expect(ask(token({ audiences: ["aud-b"], signedWithKeysOf: "x" }))).toMatchObject({
      status: 403,
      reason: "Audiences in Jwt are not allowed",
    });
    expect(ask(token({ signedWithKeysOf: keys("other") }))).toMatchObject({
      status: 401,
      reason: "Jwt verification fails",
    });
    expect(ask(token({ audiences: ["aud-b", "aud-a"] }))).toMatchObject({ allowed: true });
  });

  it("lets a missing token through when optional, but never a bad one; failOpen lets everything through", () => {
    const evaluator = new AccessEvaluator([
      route("a", "optional"),
      route("a", "open"),
      onRoute("a", "optional", { optional: true, providers: [provider()] }),
      onRoute("a", "open", { failOpen: true, providers: [provider()] }),
    ]);
    const bad = { headers: { Authorization: `Bearer ${token({ audiences: ["x"] })}` } };
    expect(evaluator.evaluate({ route: at("a", "optional"), now })).toMatchObject({ allowed: true });
    expect(evaluator.evaluate({ route: at("a", "optional"), now, ...bad })).toMatchObject({ status: 403 });
    expect(evaluator.evaluate({ route: at("a", "open"), now, ...bad })).toMatchObject({ allowed: true });
  });

  it("admits when any provider accepts every token it reads", () => {
    const evaluator = new AccessEvaluator([
      route("a", "app"),
      onRoute("a", "app", {
        providers: [
          provider(),
          provider({ name: "other", issuer: issuer("other"), remoteJWKS: { uri: keys("other") } }),
        ],
      }),
    ]);
    const other = token({ issuer: issuer("other"), signedWithKeysOf: keys("other") });
    const ask = (value: string) =>
      evaluator.evaluate({ route: at("a", "app"), now, headers: { Authorization: `Bearer ${value}` } });
    expect(ask(other)).toMatchObject({ allowed: true });
    expect(ask(token({ issuer: issuer("third") }))).toMatchObject({ allowed: false, status: 401 });
  });

  it("applies a Gateway's policy to its routes unless the route has its own", () => {
    const evaluator = new AccessEvaluator([
      route("a", "plain"),
      route("a", "own"),
      route("a", "elsewhere", "internal"),
      policy("gateways", "everything", {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }],
        jwt: { providers: [provider()] },
      }),
      onRoute("a", "own", { providers: [provider({ audiences: ["aud-own"] })] }),
    ]);
    expect(evaluator.gatewayPolicies()).toEqual(["gateways/everything"]);
    expect(evaluator.evaluate({ route: at("a", "plain"), now })).toMatchObject({
      allowed: false,
      policy: "gateways/everything",
    });
    const bearer = { headers: { Authorization: `Bearer ${token({ audiences: ["aud-own"] })}` } };
    expect(evaluator.evaluate({ route: at("a", "own"), now, ...bearer })).toMatchObject({ allowed: true });
    expect(evaluator.evaluate({ route: at("a", "elsewhere"), now })).toEqual({ allowed: true });
  });

  it("matches a route's policy in the route's own namespace only", () => {
    const evaluator = new AccessEvaluator([
      route("a", "app"),
      onRoute("b", "app", { providers: [provider()] }),
    ]);
    expect(evaluator.policiesOnRoute("a", "app")).toEqual([]);
    expect(evaluator.evaluate({ route: at("a", "app"), now })).toEqual({ allowed: true });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "both targetRef and targetRefs",
      { targetRef: { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "x" }, targetRefs: [] },
      /either targetRef or targetRefs/,
    ],
    [
      "a target outside Gateway API",
      { targetRefs: [{ group: "", kind: "Service", name: "x" }] },
      /group of gateway\.networking\.k8s\.io/,
    ],
    [
      "a rule as target",
      {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "x", sectionName: "r" }],
      },
      /sectionName/,
    ],
    ["target selectors", { targetSelectors: [{ kind: "HTTPRoute" }] }, /targetSelectors not modelled/],
    [
      "basic authentication without users",
      { targetRefs: [], basicAuth: {} },
      /basicAuth\.users\.name is required/,
    ],
    [
      "basic authentication from another namespace",
      { targetRefs: [], basicAuth: { users: { name: "s", namespace: "b" } } },
      /another namespace \(ReferenceGrant\) is not modelled/,
    ],
    [
      "basic authentication forwarding the user",
      { targetRefs: [], basicAuth: { users: { name: "s" }, forwardUsernameHeader: "x-user" } },
      /forwardUsernameHeader is not modelled/,
    ],
    ["authorization rules", { targetRefs: [], authorization: {} }, /authorization not modelled/],
    [
      "a provider without keys",
      { targetRefs: [], jwt: { providers: [{ name: "p" }] } },
      /exactly one of remoteJWKS or localJWKS/,
    ],
    [
      "a local key set",
      { targetRefs: [], jwt: { providers: [{ name: "p", localJWKS: { type: "Inline", inline: "{}" } }] } },
      /localJWKS is not modelled/,
    ],
  ])("refuses to judge a policy with %s", (_case, spec, message) => {
    expect(() => new AccessEvaluator([policy("a", "p", spec)])).toThrow(message);
  });

  it("refuses to guess between two policies on one route", () => {
    const evaluator = new AccessEvaluator([
      route("a", "app"),
      onRoute("a", "app", { providers: [provider()] }),
      policy("a", "second", {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }],
        jwt: { providers: [provider()] },
      }),
    ]);
    expect(() => evaluator.evaluate({ route: at("a", "app"), now })).toThrow(
      /a\/app and a\/second target one object/,
    );
  });
});
