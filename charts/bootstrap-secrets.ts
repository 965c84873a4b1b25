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
