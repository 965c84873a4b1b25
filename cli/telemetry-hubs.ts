import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  formatProblem,
  InventoryError,
  inventoryKey,
  loadInventoryFile,
  statedTelemetryHub,
  telemetryHubOf,
  telemetryTenants,
  type ClusterInventory,
  type KeyPath,
  type TelemetryHub,
} from "../inventory";

/** A loaded inventory and the file it came from, as render names it. */
export interface LoadedInventory {
  readonly source: string;
  readonly inventory: ClusterInventory;
}

/** Where the inventory sits in its file: under `config.homelab:cluster` in a stack file. */
function inventoryPath(source: string): KeyPath {
  return /(^|[/\\])Pulumi\.[^/\\]+\.yaml$/.test(source) ? ["config", inventoryKey] : [];
}

/**
 * Each spoke's hub, as render finds it: a hub named by stack is read from that stack's file (among the
 * files rendered, or beside them), and must be a hub that lists the spoke, as `pulumi up` will require of
 * the hub's outputs; a hub named by hostname and address is taken as stated.
 */
export function resolveTelemetryHubs(
  loaded: readonly LoadedInventory[],
  cwd: string,
): { hubs: Map<string, TelemetryHub>; problems: string[] } {
  const hubs = new Map<string, TelemetryHub>();
  const problems: string[] = [];
  for (const { source, inventory } of loaded) {
    const { lgtm } = inventory.platform;
    if (!lgtm.enabled || lgtm.role !== "spoke" || !lgtm.hub) continue;
    const stated = statedTelemetryHub(inventory);
    if (stated) {
      hubs.set(inventory.name, stated);
      continue;
    }
    const stack = lgtm.hub.stack!;
    const problem = (message: string) =>
      formatProblem(source, {
        path: [...inventoryPath(source), "platform", "lgtm", "hub", "stack"],
        message,
      });
    const hubFile = `Pulumi.${stack}.yaml`;
    let hub = loaded.find((entry) => path.basename(entry.source) === hubFile)?.inventory;
    if (!hub) {
      const file = path.join(cwd, hubFile);
      if (!existsSync(file)) {
        problems.push(
          problem(`${stack}: there is no ${hubFile} here — the hub's stack file must be beside this one`),
        );
        continue;
      }
      try {
        hub = loadInventoryFile(file, hubFile);
      } catch (error) {
        if (!(error instanceof InventoryError)) throw error;
        problems.push(problem(`${stack}: the hub's stack file has mistakes — fix ${hubFile} first`));
        continue;
      }
    }
    if (!hub.platform.lgtm.enabled || hub.platform.lgtm.role !== "hub") {
      problems.push(
        problem(
          `${stack}: ${hubFile} is not an observability hub — set platform.lgtm.role: hub there, or name the hub's stack`,
        ),
      );
      continue;
    }
    const tenants = telemetryTenants(hub);
    if (!tenants.includes(inventory.name)) {
      problems.push(
        problem(
          `${stack}: the hub stores ${tenants.join(", ")}, not ${inventory.name} — add ${inventory.name} to platform.lgtm.spokes in ${hubFile}`,
        ),
      );
      continue;
    }
    hubs.set(inventory.name, telemetryHubOf(hub));
  }
  return { hubs, problems };
}
