import { defaultObjectStoreSecretName } from "../constructs/lgtm-values";
import { platformNamespaces } from "../inventory";

/**
 * Secrets only the Pulumi layer can make, because their values come from secret config and from
 * Cloudflare. The constructs reference them by name and key; render never holds their values.
 */
export const bootstrapSecrets = {
  /** cert-manager's Cloudflare token for DNS-01; a ClusterIssuer reads it from cert-manager's namespace. */
  cloudflareDnsToken: {
    namespace: platformNamespaces.certManager,
    name: "cloudflare-dns-token",
    key: "api-token",
  },
  /** The tunnel token cloudflared runs with. */
  tunnelToken: { namespace: platformNamespaces.cloudflared, name: "cloudflared-tunnel-token", key: "token" },
} as const;

export type BootstrapSecret = (typeof bootstrapSecrets)[keyof typeof bootstrapSecrets];

/**
 * GENERATED bootstrap Secrets (`generated: true`): no config holds their values; the Pulumi layer makes
 * each key with a RandomPassword once per stack and keeps it in state. Kept apart from `bootstrapSecrets`
 * until its entries carry several keys and a value source; fold this in then.
 */
export const generatedBootstrapSecrets = {
  /**
   * Root credentials of Mimir's object store (the chart's MinIO); MinIO and Mimir's S3 clients read them,
   * so only while the LGTM stack is enabled. Letters and digits only (`special: false`): Mimir expands
   * them into its YAML config text before parsing it. MinIO wants a user of 3+ and a password of 8+.
   */
  mimirObjectStore: {
    namespace: platformNamespaces.lgtm,
    name: defaultObjectStoreSecretName,
    keys: { rootUser: { length: 20 }, rootPassword: { length: 40 } },
    special: false,
    generated: true,
    component: "lgtm",
  },
} as const;
