import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CloudflareSettings } from "../inventory";
import { tunnelIdPlaceholder, type EdgePlan } from "./builders";

export interface EdgeArgs {
  readonly cloudflare: CloudflareSettings;
  /** From `edgePlan`: ingress rules, records and Access applications with `<tunnel-id>` in them. */
  readonly plan: EdgePlan;
  readonly provider: cloudflare.Provider;
}

/**
 * The cluster's Cloudflare edge: a remotely managed tunnel, its ingress rules, a proxied CNAME per
 * public hostname and Cloudflare Access in front of the hostnames that ask for it.
 */
export class Edge extends pulumi.ComponentResource {
  readonly tunnelId: pulumi.Output<string>;
  /** What cloudflared runs with; secret. */
  readonly tunnelToken: pulumi.Output<string>;
  /** The AUD tag of each Access application, by hostname: what the gateway checks tokens against. */
  readonly accessAudiences: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:edge:Edge", name, {}, opts);
    const { cloudflare: settings, plan } = args;
    const child = { parent: this, provider: args.provider };

    // The tunnel secret must be at least 32 random bytes, base64-encoded.
    const tunnelSecret = new random.RandomBytes(`${name}-tunnel-secret`, { length: 32 }, { parent: this });
    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      `${name}-tunnel`,
      {
        accountId: settings.accountId,
        name: plan.tunnelName,
        configSrc: "cloudflare",
        tunnelSecret: tunnelSecret.base64,
      },
      child,
    );
    this.tunnelId = tunnel.id;
    const withTunnelId = (text: string) => tunnel.id.apply((id) => text.replace(tunnelIdPlaceholder, id));

    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-tunnel-config`,
      {
        accountId: settings.accountId,
        tunnelId: tunnel.id,
        config: { ingresses: plan.ingresses.map((ingress) => ({ ...ingress })) },
      },
      child,
    );

    for (const record of plan.dnsRecords) {
      new cloudflare.DnsRecord(
        `${name}-dns-${record.name}`,
        { zoneId: settings.zoneId, ...record, content: withTunnelId(record.content) },
        child,
      );
    }

    const accessAudiences: Record<string, pulumi.Output<string>> = {};
    for (const application of plan.accessApplications) {
      const policy = new cloudflare.ZeroTrustAccessPolicy(
        `${name}-access-policy-${application.domain}`,
        { accountId: settings.accountId, ...application.policy, includes: [...application.policy.includes] },
        child,
      );
      accessAudiences[application.domain] = new cloudflare.ZeroTrustAccessApplication(
        `${name}-access-${application.domain}`,
        {
          accountId: settings.accountId,
          name: application.name,
          domain: application.domain,
          type: application.type,
          sessionDuration: application.sessionDuration,
          policies: [{ id: policy.id, precedence: 1 }],
        },
        child,
      ).aud;
    }
    this.accessAudiences = accessAudiences;

    // The SDK does not mark the token secret; it is a credential for the tunnel.
    this.tunnelToken = pulumi.secret(
      cloudflare.getZeroTrustTunnelCloudflaredTokenOutput(
        { accountId: settings.accountId, tunnelId: tunnel.id },
        child,
      ).token,
    );
    this.registerOutputs({ tunnelId: this.tunnelId, tunnelToken: this.tunnelToken });
  }
}
