import { validateHelmValues } from "../support/helm-values";
import { validateManifest } from "../support/k8s-schema";
import { renderedClusters } from "./rendered-clusters";

const clusters = renderedClusters();

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))("%s", (_, cluster) => {
  it("every rendered object validates against its upstream schema", () => {
    expect(cluster.objects.length).toBeGreaterThan(0);
    expect(cluster.objects.flatMap((object) => validateManifest(object))).toEqual([]);
  });

  it("every Helm values object validates where the chart publishes a schema", () => {
    const problems = cluster.charts.components.flatMap(({ helmCharts }) =>
      helmCharts.flatMap((chart) =>
        (validateHelmValues(chart.name, chart.version, chart.values) ?? []).map(
          (problem) => `${chart.name}: ${problem}`,
        ),
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe("the schema check over renders", () => {
  it("knows the schema of every chart the project validates values for", () => {
    const charts = clusters[0].charts.components.flatMap(({ helmCharts }) => helmCharts);
    const checked = charts.filter(
      (chart) => validateHelmValues(chart.name, chart.version, chart.values) !== undefined,
    );
    expect(checked.map((chart) => chart.name).sort()).toEqual(["cert-manager", "loki", "metallb"]);
  });

  it("fails an object of a kind it has no schema for", () => {
    expect(
      validateManifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toEqual(["Widget/w: no schema known for example.com/v1/Widget"]);
  });
});
