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

/** Which upstream chart installs the CRDs of each custom API group the platform creates. */
const crdChartOfGroup: Record<string, string> = {
  "metallb.io": "metallb",
  "cert-manager.io": "cert-manager",
  "gateway.networking.k8s.io": "gateway-helm",
  "gateway.envoyproxy.io": "gateway-helm",
  "argoproj.io": "argo-cd",
};

describe.each(clusters.map((cluster) => [cluster.source, cluster] as const))(
  "%s, as a whole",
  (_, cluster) => {
    it("names every object once: no two components manage the same object", () => {
      const identities = cluster.objects.map((object) => {
        const metadata = object.metadata as { name: string; namespace?: string };
        return `${String(object.apiVersion)} ${String(object.kind)} ${metadata.namespace ?? ""}/${metadata.name}`;
      });
      expect(identities.filter((identity, index) => identities.indexOf(identity) !== index)).toEqual([]);
    });

    it("installs the CRDs of every custom kind it creates", () => {
      const installed = new Set(
        cluster.charts.components.flatMap(({ helmCharts }) => helmCharts.map((c) => c.name)),
      );
      const customGroups = new Set(
        cluster.objects
          .map((object) => String(object.apiVersion).split("/"))
          .filter(
            ([group, version]) =>
              version !== undefined &&
              group.includes(".") &&
              (!group.endsWith(".k8s.io") || group === "gateway.networking.k8s.io"),
          )
          .map(([group]) => group),
      );
      // CRDs a component applies itself (tuppr's chart carries none).
      const applied = new Set(
        cluster.objects
          .filter((object) => object.kind === "CustomResourceDefinition")
          .map((object) => String((object.spec as { group: string }).group)),
      );
      const missing = [...customGroups].filter(
        (group) => !installed.has(crdChartOfGroup[group]) && !applied.has(group),
      );
      expect(missing).toEqual([]);
    });
  },
);

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
