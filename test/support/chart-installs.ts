import * as path from "node:path";
import { type ClusterCharts } from "../../charts";
import { loadInventoryFile, type ClusterInventory } from "../../inventory";
import { chartsOf } from "./cluster-charts";

const root = path.resolve(__dirname, "../..");

/**
 * The clusters whose Helm charts the chart-facts tests check: the three stacks, and every platform
 * setting overridden with Dex on — the most values the platform sets.
 */
export const chartInstallSources = [
  "Pulumi.core.yaml",
  "Pulumi.dev.yaml",
  "Pulumi.prod.yaml",
  "test/fixtures/valid/every-setting-overridden.yaml",
] as const;

export interface ChartInstallCluster {
  readonly source: string;
  readonly inventory: ClusterInventory;
  readonly charts: ClusterCharts;
}

export function chartInstallClusters(): ChartInstallCluster[] {
  return chartInstallSources.map((source) => {
    const inventory = loadInventoryFile(path.join(root, source), source);
    return { source, inventory, charts: chartsOf(inventory) };
  });
}
