import { createHash } from "node:crypto";
/**
 * What Envoy Gateway's proxies do with a request to an HTTPRoute, as far as the JWT part of a
 * SecurityPolicy (gateway.envoyproxy.io/v1alpha1) decides it: which policy applies, where tokens are
 * read, and which token passes — after Envoy's jwt_authn filter:
 *
 * - the policy on the route applies; without one, the policy on the route's Gateway; without either,
 *   nothing is checked;
 * - tokens are read from every location of a provider's `extractFrom` (by default the `Authorization:
 *   Bearer` header and the `access_token` query parameter), and every token found must pass;
 * - a token passes when it parses, its issuer is the provider's, it is within its validity, one of its
 *   audiences is the provider's and it is signed by a key of the provider's JWKS, checked in that order;
 * - no token: 401 "Jwt is missing"; an audience not allowed: 403; any other failure: 401. `optional`
 *   admits a request without a token (a bad token is still refused), `failOpen` admits every request.
 *
 * Signatures are modelled, not computed: a token made by `encodeToken` names the JWKS URL whose keys
 * signed it, and only the provider's `remoteJWKS.uri` verifies it. Parts of the API the evaluator does
 * not model (other authentication, authorization rules, local key sets, target selectors, policies on
 * route rules or listeners) make it throw, so that a policy it cannot judge is never judged allowed.
 */

const routeGroup = "gateway.networking.k8s.io";

/** A token's claims, as Cloudflare Access issues them. */
export interface TokenClaims {
  /** `iss`: `https://<team>.cloudflareaccess.com`. */
  readonly issuer: string;
  /** `aud`: the Access application's AUD tag (Cloudflare sends a list). */
  readonly audiences: readonly string[];
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
  /** `nbf`, in seconds since the epoch. */
  readonly notBefore?: number;
  /** The JWKS URL of the keys that signed the token: a team's `…/cdn-cgi/access/certs`. */
  readonly signedWithKeysOf: string;
}

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const fromBase64url = (text: string) => Buffer.from(text, "base64url").toString("utf8");

/** A token as it travels in a header or cookie: header.payload.signature, the signature standing for the keys. */
export function encodeToken(claims: TokenClaims): string {
  const payload: Record<string, unknown> = {
    iss: claims.issuer,
    aud: [...claims.audiences],
    exp: claims.expiresAt,
    ...(claims.notBefore === undefined ? {} : { nbf: claims.notBefore }),
  };
  return [
    base64url(JSON.stringify({ alg: "RS256", typ: "JWT" })),
    base64url(JSON.stringify(payload)),
    base64url(`signed-with:${claims.signedWithKeysOf}`),
  ].join(".");
}

function decodeToken(text: string): TokenClaims | undefined {
  const parts = text.split(".");
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined;
  try {
    const payload = JSON.parse(fromBase64url(parts[1])) as Record<string, unknown>;
    const signature = fromBase64url(parts[2]);
    if (typeof payload !== "object" || payload === null || !signature.startsWith("signed-with:"))
      return undefined;
    const aud = payload.aud;
    return {
      issuer: typeof payload.iss === "string" ? payload.iss : "",
      audiences: Array.isArray(aud) ? aud.map(String) : typeof aud === "string" ? [aud] : [],
      expiresAt: typeof payload.exp === "number" ? payload.exp : Infinity,
      notBefore: typeof payload.nbf === "number" ? payload.nbf : undefined,
      signedWithKeysOf: signature.slice("signed-with:".length),
    };
  } catch {
    return undefined;
  }
}

/** One request at the gateway, after routing: the route it matched and what it carries. */
export interface GatewayRequest {
  /** The HTTPRoute the request matched. */
  readonly route: { readonly namespace: string; readonly name: string };
  /** Header values by name (names compare case-insensitively, as in HTTP). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Cookies by name. */
  readonly cookies?: Readonly<Record<string, string>>;
  /** Query parameters by name. */
  readonly params?: Readonly<Record<string, string>>;
  /** The time of the request, in seconds since the epoch. */
  readonly now: number;
}

export type Verdict =
  | { readonly allowed: true; readonly policy?: string }
  | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string; readonly policy: string };

interface TargetRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly sectionName?: string;
}

interface JwtProvider {
  readonly name: string;
  readonly issuer?: string;
  readonly audiences?: readonly string[];
  readonly remoteJWKS?: { readonly uri: string };
  readonly localJWKS?: unknown;
  readonly extractFrom?: {
    readonly headers?: readonly { readonly name: string; readonly valuePrefix?: string }[];
    readonly cookies?: readonly string[];
    readonly params?: readonly string[];
  };
}

interface SecurityPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly targets: readonly TargetRef[];
  readonly jwt?: {
    readonly optional?: boolean;
    readonly failOpen?: boolean;
    readonly providers: readonly JwtProvider[];
  };
  /** The htpasswd Secret's `namespace/name`: the policy's namespace (another needs a ReferenceGrant). */
  readonly basicAuth?: { readonly secret: string };
}

interface RouteObject {
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly { readonly name: string; readonly namespace: string }[];
}

type Manifest = Record<string, unknown> & {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
};

/** Fields of a SecurityPolicy spec the evaluator understands; any other one makes it throw. */
const modelledSpecFields = new Set(["targetRef", "targetRefs", "jwt", "basicAuth"]);

export class AccessEvaluator {
  private readonly policies: SecurityPolicy[];
  private readonly routes: RouteObject[];

  /**
   * From every object of a cluster: its SecurityPolicies and HTTPRoutes; others are ignored. `htpasswd`
   * holds the `.htpasswd` of the Secrets basic auth reads, by `namespace/name` (the Pulumi layer makes
   * them, so they are not among the rendered objects).
   */
  constructor(
    objects: readonly Record<string, unknown>[],
    private readonly htpasswd: Readonly<Record<string, string>> = {},
  ) {
    const manifests = objects as readonly Manifest[];
    this.policies = manifests
      .filter((o) => o.kind === "SecurityPolicy" && o.apiVersion === "gateway.envoyproxy.io/v1alpha1")
      .map(readPolicy);
    this.routes = manifests
      .filter((o) => o.kind === "HTTPRoute" && String(o.apiVersion).startsWith(`${routeGroup}/`))
      .map((o) => {
        const namespace = o.metadata?.namespace ?? "default";
        const parentRefs = (o.spec?.parentRefs ?? []) as { name: string; namespace?: string }[];
        return {
          namespace,
          name: String(o.metadata?.name),
          parents: parentRefs.map((ref) => ({ name: ref.name, namespace: ref.namespace ?? namespace })),
        };
      });
  }

  /** The SecurityPolicies (namespace/name) that target the route directly. */
  policiesOnRoute(namespace: string, name: string): string[] {
    return this.routePolicies(namespace, name).map((policy) => policy.id);
  }

  /** The SecurityPolicies (namespace/name) that target a Gateway. */
  gatewayPolicies(): string[] {
    return this.policies
      .filter((policy) => policy.targets.some((target) => target.kind === "Gateway"))
      .map((policy) => policy.id);
  }

  evaluate(request: GatewayRequest): Verdict {
    const { namespace, name } = request.route;
    const route = this.routes.find((each) => each.namespace === namespace && each.name === name);
    if (!route) throw new Error(`no HTTPRoute ${namespace}/${name} among the objects`);
    const policy = this.effectivePolicy(route);
    if (!policy || (!policy.jwt && !policy.basicAuth)) return { allowed: true, policy: policy?.id };
    if (policy.basicAuth) {
      const refusal = this.basicAuthRefusal(policy.basicAuth.secret, request);
      if (refusal) return { allowed: false, status: 401, reason: refusal, policy: policy.id };
      if (!policy.jwt) return { allowed: true, policy: policy.id };
    }
    return judge(policy, request);
  }

  /**
   * Envoy's basic_auth filter: the Authorization header must be `Basic base64(user:password)` of a user
   * whose `{SHA}` line (base64 of the password's SHA-1, the only form Envoy Gateway accepts) matches.
   */
  private basicAuthRefusal(secret: string, request: GatewayRequest): string | undefined {
    const file = this.htpasswd[secret];
    if (file === undefined)
      throw new Error(`basic auth reads Secret ${secret}, which the evaluator was not given`);
    const users = new Map<string, string>();
    for (const line of file.split("\n").filter((each) => each.trim() !== "")) {
      const match = /^([^:]+):\{SHA\}(.+)$/.exec(line);
      if (!match) throw new Error(`${secret}: unsupported htpasswd format: please use {SHA}`);
      users.set(match[1], match[2]);
    }
    const header = Object.entries(request.headers ?? {}).find(
      ([name]) => name.toLowerCase() === "authorization",
    )?.[1];
    if (header === undefined || !header.startsWith("Basic "))
      return "User authentication failed. Missing username and password.";
    const decoded = Buffer.from(header.slice("Basic ".length), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return "User authentication failed. Expected 'user:password' format.";
    const digest = users.get(decoded.slice(0, colon));
    const given = createHash("sha1")
      .update(decoded.slice(colon + 1))
      .digest("base64");
    return digest !== undefined && digest === given
      ? undefined
      : "User authentication failed. Invalid username/password combination.";
  }

  private routePolicies(namespace: string, name: string): SecurityPolicy[] {
    return this.policies.filter(
      (policy) =>
        policy.namespace === namespace &&
        policy.targets.some((target) => target.kind === "HTTPRoute" && target.name === name),
    );
  }

  /** The most specific policy wins: the route's own, else its Gateway's. Two at one level are ambiguous. */
  private effectivePolicy(route: RouteObject): SecurityPolicy | undefined {
    const onRoute = this.routePolicies(route.namespace, route.name);
    const onGateway = this.policies.filter((policy) =>
      route.parents.some(
        (parent) =>
          policy.namespace === parent.namespace &&
          policy.targets.some((target) => target.kind === "Gateway" && target.name === parent.name),
      ),
    );
    for (const level of [onRoute, onGateway]) {
      if (level.length > 1) {
        throw new Error(
          `${level.map((policy) => policy.id).join(" and ")} target one object — Envoy Gateway would accept only the oldest; the evaluator does not guess`,
        );
      }
      if (level.length === 1) return level[0];
    }
    return undefined;
  }
}

function readPolicy(object: Manifest): SecurityPolicy {
  const namespace = object.metadata?.namespace ?? "default";
  const id = `${namespace}/${String(object.metadata?.name)}`;
  const spec = object.spec ?? {};
  const unmodelled = Object.keys(spec).filter((key) => !modelledSpecFields.has(key));
  if (unmodelled.length > 0) {
    throw new Error(`SecurityPolicy ${id}: ${unmodelled.join(", ")} not modelled by the evaluator`);
  }
  // The CRD's own CEL rules, which schema validation here does not evaluate.
  const { targetRef, targetRefs } = spec as { targetRef?: TargetRef; targetRefs?: TargetRef[] };
  if ((targetRef === undefined) === (targetRefs === undefined)) {
    throw new Error(`SecurityPolicy ${id}: either targetRef or targetRefs must be used`);
  }
  const targets = targetRefs ?? [targetRef!];
  for (const target of targets) {
    if (target.group !== routeGroup) {
      throw new Error(
        `SecurityPolicy ${id}: this policy can only have a targetRefs[*].group of ${routeGroup}`,
      );
    }
    if (!["Gateway", "HTTPRoute"].includes(target.kind)) {
      throw new Error(`SecurityPolicy ${id}: targets a ${target.kind}, which the evaluator does not model`);
    }
    if (target.sectionName !== undefined) {
      throw new Error(
        `SecurityPolicy ${id}: sectionName (a rule or listener) is not modelled by the evaluator`,
      );
    }
  }
  const jwt = spec.jwt as SecurityPolicy["jwt"];
  if (jwt) {
    if (jwt.providers.length === 0) throw new Error(`SecurityPolicy ${id}: jwt.providers is empty`);
    for (const provider of jwt.providers) {
      if ((provider.remoteJWKS === undefined) === (provider.localJWKS === undefined)) {
        throw new Error(
          `SecurityPolicy ${id}: provider ${provider.name} needs exactly one of remoteJWKS or localJWKS`,
        );
      }
      if (provider.localJWKS !== undefined) {
        throw new Error(
          `SecurityPolicy ${id}: provider ${provider.name}: localJWKS is not modelled by the evaluator`,
        );
      }
    }
  }
  const basic = spec.basicAuth as
    { users?: { name?: string; namespace?: string }; forwardUsernameHeader?: string } | undefined;
  let basicAuth: SecurityPolicy["basicAuth"];
  if (basic) {
    if (!basic.users?.name) throw new Error(`SecurityPolicy ${id}: basicAuth.users.name is required`);
    if (basic.users.namespace !== undefined && basic.users.namespace !== namespace) {
      throw new Error(`SecurityPolicy ${id}: a Secret in another namespace (ReferenceGrant) is not modelled`);
    }
    if (basic.forwardUsernameHeader !== undefined) {
      throw new Error(
        `SecurityPolicy ${id}: basicAuth.forwardUsernameHeader is not modelled by the evaluator`,
      );
    }
    basicAuth = { secret: `${namespace}/${basic.users.name}` };
  }
  return { id, namespace, targets, jwt, basicAuth };
}

type Failure = { readonly status: 401 | 403; readonly reason: string };
const missing: Failure = { status: 401, reason: "Jwt is missing" };

function judge(policy: SecurityPolicy, request: GatewayRequest): Verdict {
  const jwt = policy.jwt!;
  if (jwt.failOpen) return { allowed: true, policy: policy.id };
  // Providers are alternatives (Envoy's requires_any): one that accepts every token it finds admits.
  const failures: Failure[] = [];
  for (const provider of jwt.providers) {
    const failure = verifyWith(provider, request);
    if (failure === undefined) return { allowed: true, policy: policy.id };
    failures.push(failure);
  }
  const refusal = failures.find((failure) => failure !== missing) ?? missing;
  if (refusal === missing && jwt.optional) return { allowed: true, policy: policy.id };
  return { allowed: false, ...refusal, policy: policy.id };
}

/** Undefined when every token the provider reads passes and there is at least one. */
function verifyWith(provider: JwtProvider, request: GatewayRequest): Failure | undefined {
  const tokens = extract(provider, request);
  if (tokens.length === 0) return missing;
  for (const token of tokens) {
    const failure = verifyToken(provider, token, request.now);
    if (failure) return failure;
  }
  return undefined;
}

function extract(provider: JwtProvider, request: GatewayRequest): string[] {
  const headers = new Map(
    Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const locations = provider.extractFrom ?? {
    headers: [{ name: "Authorization", valuePrefix: "Bearer " }],
    params: ["access_token"],
  };
  const tokens: string[] = [];
  for (const { name, valuePrefix = "" } of locations.headers ?? []) {
    const value = headers.get(name.toLowerCase());
    if (value !== undefined && value.startsWith(valuePrefix)) tokens.push(value.slice(valuePrefix.length));
  }
  for (const name of locations.cookies ?? []) {
    const value = request.cookies?.[name];
    if (value !== undefined) tokens.push(value);
  }
  for (const name of locations.params ?? []) {
    const value = request.params?.[name];
    if (value !== undefined) tokens.push(value);
  }
  return tokens;
}

function verifyToken(provider: JwtProvider, text: string, now: number): Failure | undefined {
  const claims = decodeToken(text);
  if (!claims) return { status: 401, reason: "Jwt is not in the form of Header.Payload.Signature" };
  if (provider.issuer !== undefined && claims.issuer !== provider.issuer) {
    return { status: 401, reason: "Jwt issuer is not configured" };
  }
  if (now >= claims.expiresAt) return { status: 401, reason: "Jwt is expired" };
  if (claims.notBefore !== undefined && now < claims.notBefore) {
    return { status: 401, reason: "Jwt not yet valid" };
  }
  const audiences = provider.audiences ?? [];
  if (audiences.length > 0 && !claims.audiences.some((audience) => audiences.includes(audience))) {
    return { status: 403, reason: "Audiences in Jwt are not allowed" };
  }
  if (claims.signedWithKeysOf !== provider.remoteJWKS!.uri) {
    return { status: 401, reason: "Jwt verification fails" };
  }
  return undefined;
}
