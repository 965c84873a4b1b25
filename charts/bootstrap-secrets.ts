import { argoCdRedisSecret } from "../constructs/argo-cd";
import { defaultObjectStoreSecretName } from "../constructs/lgtm-values";
import { platformNamespaces } from "../inventory";
import type { ComponentName } from "./components";

/** The secret inputs of the Pulumi program a bootstrap Secret can carry. */
export type SecretInput =
  /** cert-manager's Cloudflare token, from `pulumi config set --secret homelab:cloudflareDnsToken`. */
  | "cloudflareDnsToken"
  /** The tunnel token Cloudflare issues for the tunnel the program makes with the configured API token. */
  | "tunnelToken"
  /** Grafana's SMTP password, from `pulumi config set --secret homelab:smtpPassword`. */
  | "smtpPassword"
  /**
   * A spoke's password at the observability hub: from the hub stack's outputs, or from
   * `pulumi config set --secret homelab:telemetryHubPassword` when the hub is named by address.
   */
  | "telemetryHubPassword";

/** Where one key of a bootstrap Secret gets its value. */
export type SecretSource =
  /** A secret the program is given (config), kept secret all the way. */
  | { readonly from: "config"; readonly input: SecretInput }
  /**
   * Made once per stack by a `random.RandomPassword` of `length` letters and digits (no specials: some
   * readers expand the values into config text) and kept, encrypted, in Pulumi's state.
   */
  | { readonly from: "generated"; readonly length: number }
  /**
   * The hub's htpasswd line (`<tenant>:{SHA}<digest>`) for a spoke tenant's generated password, which the
   * hub's stack exports (secret) for the spoke's stack to read.
   */
  | { readonly from: "telemetryTenant"; readonly tenant: string };

/**
 * A Secret only the Pulumi layer can make, because its values are secret config, come from Cloudflare or
 * are generated. The constructs reference it by name and keys; render lists names only and never holds
 * a value. Created after the namespaces and before the component's Helm charts, while the component is
 * enabled.
 */
export interface BootstrapSecret {
  readonly namespace: string;
  readonly name: string;
  /** The component whose charts or objects read it. */
  readonly component: ComponentName;
  readonly keys: Readonly<Record<string, SecretSource>>;
}

/** A Secret of one key, which constructs take as `{ name, key }`. */
export interface SingleKeySecret extends BootstrapSecret {
  readonly key: string;
}

function singleKey(
  component: ComponentName,
  namespace: string,
  name: string,
  key: string,
  source: SecretSource,
): SingleKeySecret {
  return { component, namespace, name, key, keys: { [key]: source } };
}

/**
 * The bootstrap Secrets every cluster enabling a component gets; `enabledBootstrapSecrets` picks a
 * cluster's. The observability ones depend on the cluster's part (hub or spoke) and are listed below.
 */
export const bootstrapSecrets = {
  /** cert-manager's Cloudflare token for DNS-01; a ClusterIssuer reads it from cert-manager's namespace. */
  cloudflareDnsToken: singleKey(
    "cert-manager",
    platformNamespaces.certManager,
    "cloudflare-dns-token",
    "api-token",
    { from: "config", input: "cloudflareDnsToken" },
  ),
  /** The tunnel token cloudflared runs with. */
  tunnelToken: singleKey("cloudflared", platformNamespaces.cloudflared, "cloudflared-tunnel-token", "token", {
    from: "config",
    input: "tunnelToken",
  }),
  /**
   * Argo CD's Redis password, which the chart's redis-secret-init pre-install hook would generate
   * (turned off: Pulumi's Helm support runs no hooks). Every Argo CD pod reads it.
   */
  argocdRedis: singleKey("argocd", platformNamespaces.argocd, argoCdRedisSecret.name, argoCdRedisSecret.key, {
    from: "generated",
    length: 32,
  }),
} as const satisfies Record<string, BootstrapSecret>;

/** The bootstrap Secrets of the enabled components, in the order above. */
export function enabledBootstrapSecrets(components: readonly ComponentName[]): BootstrapSecret[] {
  return Object.values(bootstrapSecrets).filter((secret) => components.includes(secret.component));
}

/**
 * Root credentials of Mimir's object store (the chart's MinIO); MinIO and Mimir's S3 clients read them, so
 * only on an observability hub. Letters and digits only: Mimir expands them into its YAML config text before
 * parsing it (every generated value is). MinIO wants a user of 3+ and a password of 8+.
 */
export const mimirObjectStoreSecret: BootstrapSecret = {
  namespace: platformNamespaces.lgtm,
  name: defaultObjectStoreSecretName,
  keys: {
    rootUser: { from: "generated", length: 20 },
    rootPassword: { from: "generated", length: 40 },
  },
  component: "lgtm",
};

/** The Secret the hub's gateway checks a spoke tenant's basic auth against (Envoy Gateway's `.htpasswd` key). */
export function telemetryTenantSecret(tenant: string): SingleKeySecret {
  return singleKey("lgtm", platformNamespaces.lgtm, `telemetry-${tenant}-htpasswd`, ".htpasswd", {
    from: "telemetryTenant",
    tenant,
  });
}

/** A spoke's password at the hub, which its collector sends. */
export const telemetryHubCredentials: SingleKeySecret = singleKey(
  "lgtm",
  platformNamespaces.lgtm,
  "telemetry-hub-credentials",
  "password",
  { from: "config", input: "telemetryHubPassword" },
);

/** Grafana's password at the SMTP relay its alert e-mails go through. */
export const grafanaSmtpSecret: SingleKeySecret = singleKey(
  "lgtm",
  platformNamespaces.lgtm,
  "grafana-smtp",
  "password",
  { from: "config", input: "smtpPassword" },
);
