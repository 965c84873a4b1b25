import { schedulableNodes, workerNodes } from "../derive";
import type { Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/** Components that need one another, and the Cloudflare settings they need. */
export function checkPlatform(inventory: ClusterInventory): Problem[] {
  const { platform, cloudflare, domain } = inventory;
  const problems: Problem[] = [];

  if (platform.certManager.enabled) {
    if (platform.certManager.acmeEmail === undefined) {
      problems.push({
        path: ["platform", "certManager", "acmeEmail"],
        message:
          "is required while cert-manager is enabled — Let's Encrypt's account e-mail, such as ops@example.com",
      });
    }
    if (cloudflare === undefined) {
      problems.push({
        path: ["cloudflare"],
        message:
          "is required while cert-manager is enabled — certificates are issued through Cloudflare DNS-01; add the cloudflare section or disable platform.certManager",
      });
    }
  }
  if (platform.certManager.enabled && !platform.envoyGateway.enabled) {
    problems.push({
      path: ["platform", "envoyGateway", "enabled"],
      message:
        "is false, but cert-manager issues the gateways' wildcard certificate into their namespace — enable Envoy Gateway or disable platform.certManager",
    });
  }
  if (platform.envoyGateway.enabled) {
    for (const needed of ["metallb", "certManager"] as const) {
      if (!platform[needed].enabled) {
        problems.push({
          path: ["platform", needed, "enabled"],
          message: `is false, but Envoy Gateway needs it — the gateways take their addresses from MetalLB and their certificates from cert-manager`,
        });
      }
    }
  }
  if (platform.cloudflared.enabled) {
    if (cloudflare === undefined) {
      problems.push({
        path: ["cloudflare"],
        message:
          "is required while cloudflared is enabled — the tunnel lives in a Cloudflare account; add the cloudflare section or disable platform.cloudflared",
      });
    }
    if (!platform.envoyGateway.enabled) {
      problems.push({
        path: ["platform", "envoyGateway", "enabled"],
        message:
          "is false, but cloudflared sends public traffic to the public gateway — enable it or disable platform.cloudflared",
      });
    }
  }
  // A decommissioning node is leaving: it counts neither for running workloads nor for the tunnel.
  const schedulable = schedulableNodes(inventory);
  if (schedulable.length === 0) {
    // With control planes running workloads, only decommissioning every node gets here, and the
    // control-plane check already refuses that.
    if (!inventory.controlPlanesRunWorkloads) {
      problems.push({
        path: ["controlPlanesRunWorkloads"],
        message:
          workerNodes(inventory).length > 0
            ? "is false and every worker is being decommissioned — nothing could run; set it to true or keep a worker"
            : "is false and the cluster has no workers — nothing could run; set it to true or add a worker",
      });
    }
  } else if (platform.cloudflared.enabled && cloudflare && cloudflare.tunnelReplicas > schedulable.length) {
    problems.push({
      path: ["cloudflare", "tunnelReplicas"],
      message: `${cloudflare.tunnelReplicas} replicas cannot be spread over ${schedulable.length === 1 ? "1 node that runs" : `${schedulable.length} nodes that run`} workloads — at most ${schedulable.length}`,
    });
  }
  if (cloudflare !== undefined && domain !== cloudflare.zone && !domain.endsWith(`.${cloudflare.zone}`)) {
    problems.push({
      path: ["domain"],
      message: `${domain} is not in the Cloudflare zone ${cloudflare.zone} — certificates and public records can only be made for names in the zone`,
    });
  }
  return problems;
}
