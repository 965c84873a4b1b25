/**
 * The secret settings of a stack. They never live in the inventory: each is set once with
 * `pulumi config set --secret`, stored encrypted in the stack file, and read as a secret Output.
 */
export interface SecretSetting {
  /** The full config key, `homelab:<name>`. */
  readonly key: string;
  readonly purpose: string;
}

export const secretSettings = {
  cloudflareApiToken: {
    key: "homelab:cloudflareApiToken",
    purpose:
      "Cloudflare API token Pulumi uses for the tunnel, DNS records and Access (Account: Cloudflare Tunnel Edit, Access: Apps and Policies Edit; Zone: DNS Edit)",
  },
  cloudflareDnsToken: {
    key: "homelab:cloudflareDnsToken",
    purpose:
      "Cloudflare API token cert-manager uses for DNS-01 challenges (Zone: Zone Read and Zone: DNS Edit, on the zone only)",
  },
} as const satisfies Record<string, SecretSetting>;

/** The config key that holds the inventory in a stack file. */
export const inventoryKey = "homelab:cluster";

export function setSecretCommand(setting: SecretSetting, stack?: string): string {
  return `pulumi config set --secret ${setting.key}${stack ? ` -s ${stack}` : ""}`;
}
