import { platformRoutes } from "../derive";
import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";
import { isPublicMailDomain } from "../public-mail-domains";

/** Hostnames: one label under the domain, unique, and a stated Access decision for public ones. */
export function checkRoutes(inventory: ClusterInventory): Problem[] {
  const problems: Problem[] = [];
  const { domain, cloudflare, platform } = inventory;
  const underDomain = (host: string) =>
    host.endsWith(`.${domain}`) && !host.slice(0, -domain.length - 1).includes(".");
  const outsideDomain = (host: string) =>
    `${host} is not directly under the domain ${domain} — the gateways' wildcard certificate *.${domain} covers one label only; use <name>.${domain}`;

  const claimed = new Map<string, string>();
  const claim = (host: string, path: KeyPath, owner: string) => {
    const holder = claimed.get(host);
    if (holder !== undefined) {
      problems.push({
        path,
        message: `${host} is already served by ${holder} — every hostname routes to one place`,
      });
    } else {
      claimed.set(host, owner);
    }
  };

  const platformPaths: Record<string, KeyPath> = {
    argocd: ["platform", "argocd", "hostname"],
    grafana: ["platform", "lgtm", "grafanaHostname"],
    telemetry: ["platform", "lgtm", "telemetryHostname"],
  };
  const platformOwners: Record<string, string> = {
    argocd: "Argo CD",
    grafana: "Grafana",
    telemetry: "the observability hub's ingest",
  };
  for (const route of platformRoutes(inventory)) {
    const path = platformPaths[route.owner];
    if (!underDomain(route.host)) problems.push({ path, message: outsideDomain(route.host) });
    claim(route.host, path, platformOwners[route.owner]);
  }

  let publicNeedsAccess = false;
  inventory.apps.forEach((app, appIndex) => {
    app.expose.forEach((exposure, index) => {
      const at = (...rest: string[]): KeyPath => ["apps", appIndex, "expose", index, ...rest];
      if (!underDomain(exposure.host))
        problems.push({ path: at("host"), message: outsideDomain(exposure.host) });
      if (app.enabled) claim(exposure.host, at("host"), `apps[${appIndex}] (${app.name})`);

      // Under a domain that lies below the zone, a hostname is more than one label below the zone.
      if (
        exposure.gateway === "public" &&
        cloudflare?.edgeCertificates === "universal" &&
        underDomain(exposure.host) &&
        domain.endsWith(`.${cloudflare.zone}`)
      ) {
        problems.push({
          path: at("host"),
          message: `public hostname ${exposure.host} is more than one label below the zone ${cloudflare.zone} — Cloudflare's universal certificate covers *.${cloudflare.zone} only; serve public apps from a cluster whose domain is the zone, or set cloudflare.edgeCertificates: advanced if an Advanced Certificate covers *.${domain}`,
        });
      }
      if (exposure.gateway === "public") {
        if (exposure.access === undefined) {
          problems.push({
            path: at("access"),
            message: `public hostname ${exposure.host} has no Access decision — set access: true to put Cloudflare Access in front of it, or access: false to publish it to everyone`,
          });
        }
        if (app.enabled && exposure.access === true) publicNeedsAccess = true;
        if (app.enabled && !platform.cloudflared.enabled) {
          problems.push({
            path: at("gateway"),
            message: `public hostname ${exposure.host} needs the Cloudflare tunnel — enable platform.cloudflared, or use gateway: internal`,
          });
        }
      } else if (exposure.access !== undefined) {
        problems.push({
          path: at("access"),
          message:
            "applies only to public hostnames — Cloudflare Access never sees internal traffic; remove it, or set gateway: public",
        });
      }
      if (app.enabled && !platform.envoyGateway.enabled) {
        problems.push({
          path: at("gateway"),
          message: `${exposure.host} needs a gateway — enable platform.envoyGateway, or remove the exposure`,
        });
      }
    });
  });

  if (inventory.network.apiHostname !== undefined) {
    claim(inventory.network.apiHostname, ["network", "apiHostname"], "the Kubernetes API");
  }

  const access = cloudflare?.access;
  access?.emailDomains.forEach((domain, index) => {
    if (isPublicMailDomain(domain)) {
      problems.push({
        path: ["cloudflare", "access", "emailDomains", index],
        message: `${domain} is a public mail domain — admitting it lets anyone with a ${domain} account through Access; list those people's addresses under emails instead`,
      });
    }
  });
  if (publicNeedsAccess && access && access.teamName === undefined) {
    problems.push({
      path: ["cloudflare", "access", "teamName"],
      message:
        "is required while public hostnames set access: true — the <team> of <team>.cloudflareaccess.com, whose tokens the public gateway checks, such as myteam",
    });
  }
  if (publicNeedsAccess && access && access.emails.length === 0 && access.emailDomains.length === 0) {
    problems.push({
      path: ["cloudflare", "access"],
      message:
        "admits nobody, but some public hostnames set access: true — list emails or emailDomains allowed through Cloudflare Access",
    });
  }
  return problems;
}
