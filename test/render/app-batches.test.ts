import { appChartBatches, componentFileStem } from "../../charts";
import { syntheticInventory } from "../../cli/bench-inventory";
import { parseInventory } from "../../inventory";
import { chartsOf } from "../support/cluster-charts";

/** Render builds the apps in batches; the program builds one chart. Their objects must not differ. */
describe("the apps chart in batches", () => {
  const input = syntheticInventory(40) as { apps: { name: string; allowTo?: string[] }[] };
  // Calls that cross batch boundaries both ways, besides the synthetic app-n → app-(n-1) ones.
  input.apps[3].allowTo = ["app-0030", "app-0012"];
  input.apps[35].allowTo = ["app-0001", "app-0034"];
  const inventory = parseInventory(input, "batches");

  it.each([1, 7, 40, 1000])("of %i apps holds the objects of the single chart, in order", (batchSize) => {
    const single = chartsOf(inventory)
      .components.find((component) => component.component === "apps")!
      .chart.toJson();
    const context = chartsOf(inventory, { deferApps: true }).appsContext;
    const batched = [...appChartBatches(inventory, context, componentFileStem("apps"), batchSize)].flatMap(
      (chart) => chart.toJson(),
    );
    expect(single.length).toBeGreaterThan(250);
    expect(batched).toEqual(single);
  });

  it("leaves the apps chart empty when deferred", () => {
    const charts = chartsOf(inventory, { deferApps: true });
    expect(charts.components.find((component) => component.component === "apps")!.chart.toJson()).toEqual([]);
    expect(charts.publicExposures).toEqual(chartsOf(inventory).publicExposures);
  });
});
