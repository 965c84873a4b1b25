import { renderedClusters } from "./rendered-clusters";

const lab = renderedClusters().find((cluster) => cluster.source.endsWith("every-network-profile.yaml"))!;
const names = (kind: string) =>
  lab.objects
    .filter((object) => object.kind === kind)
    .map((object) => (object.metadata as { name: string }).name);

describe("apps in a render", () => {
  it("an entry with enabled: false stays in the inventory and renders nothing", () => {
    expect(lab.inventory.apps.map((app) => app.name)).toContain("old-blog");
    const mentionsOldBlog = lab.objects.filter((object) => JSON.stringify(object).includes("old-blog"));
    expect(mentionsOldBlog).toEqual([]);
  });

  it("each enabled app gets its namespace, project, application and ServiceAccount", () => {
    const enabled = lab.inventory.apps.filter((app) => app.enabled);
    expect(names("AppProject")).toEqual(expect.arrayContaining(enabled.map((app) => app.name)));
    expect(names("Application").sort()).toEqual(enabled.map((app) => app.name).sort());
    expect(names("Namespace")).toEqual(expect.arrayContaining(enabled.map((app) => app.namespace)));
    expect(names("ServiceAccount")).toEqual(expect.arrayContaining(enabled.map((app) => app.name)));
  });

  it("public exposures reach the edge with their Access decision; internal ones do not", () => {
    expect(lab.charts.publicExposures).toEqual([
      { host: "www.example.com", access: false, app: "site" },
      { host: "api.example.com", access: true, app: "api" },
    ]);
  });
});
