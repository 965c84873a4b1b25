import { usedProxmoxHosts } from "./derive";
import type { ClusterInventory } from "./schema";

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
  smtpPassword: {
    key: "homelab:smtpPassword",
    purpose:
      "the password of platform.lgtm.alerts.smtp.user at the SMTP relay Grafana sends alert e-mails through",
  },
  telemetryHubPassword: {
    key: "homelab:telemetryHubPassword",
    purpose:
      "this cluster's password at the observability hub named by platform.lgtm.hub.hostname: the hub stack's `pulumi stack output --show-secrets telemetryCredentials`, under this cluster's name",
  },
} as const satisfies Record<string, SecretSetting>;

/**
 * Each Proxmox host's API token is a setting of its own, `homelab:proxmoxApiToken-<host>`: a plain
 * config key, which `pulumi config set --secret` sets, `pulumi config rm` removes and the program
 * reads with `getSecret`, one per host, without `--path` (whose map would be read as one value and
 * checked entry by entry). Config keys allow letters, digits, "-", "_" and "."; host names are DNS
 * labels, so every host name makes a valid key.
 */
export const proxmoxApiTokenPrefix = "homelab:proxmoxApiToken-";

/** The secret setting of one Proxmox host's API token. */
export function proxmoxApiTokenSetting(host: string): SecretSetting {
  return {
    key: `${proxmoxApiTokenPrefix}${host}`,
    purpose: `Proxmox VE API token for host ${host}, written USER@REALM!TOKENID=SECRET (such as pulumi@pve!homelab=…), whose user may create, configure and start VMs and upload ISO images to the host's storage`,
  };
}

/**
 * The Proxmox API tokens a stack needs: one per host that at least one node runs on, in the order of
 * `proxmox.hosts`. A listed host no node uses needs none.
 */
export function proxmoxApiTokenSettings(inventory: ClusterInventory): SecretSetting[] {
  return usedProxmoxHosts(inventory).map((host) => proxmoxApiTokenSetting(host.name));
}

/** The Proxmox host a config key holds the API token of, or undefined for any other key. */
export function proxmoxTokenHost(key: string): string | undefined {
  return key.startsWith(proxmoxApiTokenPrefix) ? key.slice(proxmoxApiTokenPrefix.length) : undefined;
}

/** The config key that holds the inventory in a stack file. */
export const inventoryKey = "homelab:cluster";

export function setSecretCommand(setting: SecretSetting, stack?: string): string {
  return `pulumi config set --secret ${setting.key}${stack ? ` -s ${stack}` : ""}`;
}
