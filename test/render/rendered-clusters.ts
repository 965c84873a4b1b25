import { readdirSync } from "node:fs";
import * as path from "node:path";
import { type ClusterCharts } from "../../charts";
import { loadInventoryFile, type ClusterInventory } from "../../inventory";
import { chartsOf } from "../support/cluster-charts";

const root = path.resolve(__dirname, "../..");
const validDir = path.join(root, "test/fixtures/valid");

export interface RenderedCluster {
  readonly source: string;
  readonly inventory: ClusterInventory;
  readonly charts: ClusterCharts;
  /** Every Kubernetes object of the cluster, namespaces first, in apply order. */
  readonly objects: Record<string, unknown>[];
}

/** The project's three stacks and every valid fixture, built once per test file. */
export function renderedClusters(): RenderedCluster[] {
  const sources = [
    ...["core", "dev", "prod"].map((stack) => path.join(root, `Pulumi.${stack}.yaml`)),
    ...readdirSync(validDir).map((name) => path.join(validDir, name)),
  ];
  return sources.map((file) => {
    const source = path.relative(root, file);
    const inventory = loadInventoryFile(file, source);
    const charts = chartsOf(inventory);
    return { source, inventory, charts, objects: chartObjects(charts) };
  });
}

/** Every object of a cluster's charts: the namespaces, then each component's phases and own objects. */
export function chartObjects(charts: ClusterCharts): Record<string, unknown>[] {
  return [
    charts.namespaces,
    ...charts.components.flatMap((component) => [
      component.beforeCharts,
      component.withCharts,
      component.afterCharts,
      component.chart,
    ]),
  ].flatMap((chart) => chart.toJson() as Record<string, unknown>[]);
}
