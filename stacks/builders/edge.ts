import type { PublicExposure } from "../../charts";
import type { ClusterInventory } from "../../inventory";

/** Stands for the tunnel's id in rendered output; the real one exists after apply. */
export const tunnelIdPlaceholder = "<tunnel-id>";

/** One rule of the tunnel's remotely managed config; the last one catches everything else. */
export interface TunnelIngress {
  readonly hostname?: string;
  readonly service: string;
  readonly originRequest?: {
    /** SNI towards the gateway, so it presents the wildcard certificate that matches the hostname. */
    readonly originServerName: string;
    readonly httpHostHeader: string;
    /** Only for a cluster on Let's Encrypt's staging issuer, whose CA nothing trusts. */
    readonly noTlsVerify?: boolean;
  };
}

export interface DnsRecordPlan {
  readonly name: string;
  readonly type: "CNAME";
  readonly content: string;
  readonly proxied: true;
  /** 1 means "automatic", the only TTL Cloudflare allows on proxied records. */
  readonly ttl: 1;
}

/** Who Access admits, as `ZeroTrustAccessPolicy.includes` entries. */
export type AccessRule =
  { readonly email: { readonly email: string } } | { readonly emailDomain: { readonly domain: string } };

export interface AccessApplicationPlan {
  readonly name: string;
  readonly domain: string;
  readonly type: "self_hosted";
  readonly sessionDuration: string;
  readonly policy: {
    readonly name: string;
    readonly decision: "allow";
    readonly includes: readonly AccessRule[];
  };
}

export interface EdgePlan {
  readonly tunnelName: string;
  readonly ingresses: readonly TunnelIngress[];
  readonly dnsRecords: readonly DnsRecordPlan[];
  readonly accessApplications: readonly AccessApplicationPlan[];
}

/**
 * The Cloudflare side of a cluster: a tunnel whose ingress sends every public hostname to the public
 * gateway over HTTPS (its HTTP listener only redirects) with the Host header kept, a proxied CNAME
 * per hostname, and an Access application with its policy per hostname that asks for it.
 */
export function edgePlan(
  inventory: ClusterInventory,
  exposures: readonly PublicExposure[],
  publicGatewayHost: string,
  tunnelId: string = tunnelIdPlaceholder,
): EdgePlan {
  const access = inventory.cloudflare?.access;
  const staging = inventory.platform.certManager.issuer === "letsencrypt-staging";
  const hosts = [...exposures].sort((a, b) => a.host.localeCompare(b.host));
  const includes: AccessRule[] = [
    ...(access?.emails ?? []).map((email) => ({ email: { email } })),
    ...(access?.emailDomains ?? []).map((domain) => ({ emailDomain: { domain } })),
  ];
  return {
    tunnelName: `homelab-${inventory.name}`,
    ingresses: [
      ...hosts.map((exposure) => ({
        hostname: exposure.host,
        service: `https://${publicGatewayHost}:443`,
        originRequest: {
          originServerName: exposure.host,
          httpHostHeader: exposure.host,
          ...(staging ? { noTlsVerify: true } : {}),
        },
      })),
      { service: "http_status:404" },
    ],
    dnsRecords: hosts.map((exposure) => ({
      name: exposure.host,
      type: "CNAME",
      content: `${tunnelId}.cfargotunnel.com`,
      proxied: true,
      ttl: 1,
    })),
    accessApplications: hosts
      .filter((exposure) => exposure.access)
      .map((exposure) => ({
        name: `${inventory.name}: ${exposure.app} (${exposure.host})`,
        domain: exposure.host,
        type: "self_hosted",
        sessionDuration: access?.sessionDuration ?? "24h",
        policy: { name: `${inventory.name}: allow ${exposure.host}`, decision: "allow", includes },
      })),
  };
}
