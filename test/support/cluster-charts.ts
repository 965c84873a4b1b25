import * as path from "node:path";
import { buildClusterCharts, type BuildOptions, type ClusterCharts } from "../../charts";
import { resolveTelemetryHubs } from "../../cli/telemetry-hubs";
import type { ClusterInventory } from "../../inventory";

const root = path.resolve(__dirname, "../..");

/**
 * A cluster's charts as render builds them: a spoke's hub found as render finds it, from the hub's stack
 * file in the project (`Pulumi.<hub>.yaml`).
 */
export function chartsOf(inventory: ClusterInventory, options: BuildOptions = {}): ClusterCharts {
  const { hubs, problems } = resolveTelemetryHubs([{ source: "test", inventory }], root);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return buildClusterCharts(inventory, { telemetryHub: hubs.get(inventory.name), ...options });
}
