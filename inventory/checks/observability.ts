import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/** The hub's and the spokes' settings of `platform.lgtm`, each only where it means something. */
export function checkObservability(inventory: ClusterInventory): Problem[] {
  const { lgtm, envoyGateway } = inventory.platform;
  if (!lgtm.enabled) return [];
  const problems: Problem[] = [];
  const at = (...rest: (string | number)[]): KeyPath => ["platform", "lgtm", ...rest];

  if (lgtm.role === "hub") {
    if (lgtm.hub !== undefined) {
      problems.push({
        path: at("hub"),
        message:
          "applies only to role: spoke — a hub stores its own telemetry; remove it, or set role: spoke to ship to another cluster's hub",
      });
    }
    const seen = new Set<string>();
    lgtm.spokes.forEach((spoke, index) => {
      if (spoke === inventory.name) {
        problems.push({
          path: at("spokes", index),
          message: `${spoke} is this cluster — the hub is its own tenant already; list only the clusters that ship here`,
        });
      } else if (seen.has(spoke)) {
        problems.push({
          path: at("spokes", index),
          message: `${spoke} is listed twice — one tenant per cluster`,
        });
      }
      seen.add(spoke);
    });
    if (lgtm.spokes.length > 0 && !envoyGateway.enabled) {
      problems.push({
        path: at("spokes"),
        message:
          "needs the internal gateway, where spokes send their telemetry over TLS — enable platform.envoyGateway, or remove the spokes",
      });
    }
    return problems;
  }

  // A spoke runs collectors only: the hub's settings mean nothing here.
  const hubOnly = (["spokes", "telemetryHostname", "alerts", "grafanaHostname"] as const).filter((key) =>
    key === "spokes" ? lgtm.spokes.length > 0 : lgtm[key] !== undefined,
  );
  for (const key of hubOnly) {
    problems.push({
      path: at(key),
      message:
        "applies only to the hub — a spoke runs collectors only; set it in the hub's stack, or remove it",
    });
  }
  const hub = lgtm.hub;
  if (hub === undefined) {
    problems.push({
      path: at("hub"),
      message:
        "is required for role: spoke — where the hub is: { stack: core } (a stack of this project), or { hostname, address } (its telemetry hostname and internal gateway address)",
    });
    return problems;
  }
  const stated = hub.hostname !== undefined || hub.address !== undefined;
  if (hub.stack !== undefined && stated) {
    problems.push({
      path: at("hub"),
      message:
        "names the hub twice — give either stack (read from the hub's outputs) or hostname and address, not both",
    });
  } else if (hub.stack === undefined && !(hub.hostname !== undefined && hub.address !== undefined)) {
    problems.push({
      path: at("hub", hub.hostname === undefined ? "hostname" : "address"),
      message:
        hub.stack === undefined && !stated
          ? "is required — give hub.stack (a stack of this project), or hub.hostname and hub.address"
          : "is required with the other — the hub's telemetry hostname and its internal gateway address go together",
    });
  }
  return problems;
}
