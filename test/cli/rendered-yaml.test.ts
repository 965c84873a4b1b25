import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Document, parseAllDocuments, visit } from "yaml";
import { syntheticInventory } from "../../cli/bench-inventory";
import { renderCluster, type RenderedFile } from "../../cli/render-cluster";
import { hasTunnel, loadInventoryFile, parseInventory, type ClusterInventory } from "../../inventory";
import { edgePlan } from "../../stacks/builders";
import { chartsOf } from "../support/cluster-charts";

const root = path.resolve(__dirname, "../..");
const stacks = ["core", "dev", "prod"];
const stackInventory = (stack: string) =>
  loadInventoryFile(path.join(root, `Pulumi.${stack}.yaml`), `Pulumi.${stack}.yaml`);

/** Every document of a rendered file, read back by a parser with its default limits. */
function readBack(file: RenderedFile): Document.Parsed[] {
  const documents = parseAllDocuments(file.content);
  if (!Array.isArray(documents)) return [];
  for (const document of documents) {
    expect({ file: file.path, errors: document.errors.map(String) }).toEqual({ file: file.path, errors: [] });
  }
  return documents;
}

/** Anchors (`&a`) and aliases (`*a`) as the parser sees them, not as characters in strings. */
function anchorsAndAliases(documents: readonly Document.Parsed[]): string[] {
  const found: string[] = [];
  for (const document of documents) {
    visit(document, {
      Alias: (_, node) => void found.push(`*${node.source}`),
      Node: (_, node) => void (node.anchor ? found.push(`&${node.anchor}`) : undefined),
    });
  }
  return found;
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** What each YAML file of the render must mean: the objects it was rendered from. */
function expectedObjects(inventory: ClusterInventory): Map<string, unknown[]> {
  const charts = chartsOf(inventory);
  const expected = new Map<string, unknown[]>();
  for (const { stem, chart } of [{ stem: "00-namespaces", chart: charts.namespaces }, ...charts.components]) {
    const objects = chart.toJson();
    if (objects.length > 0) expected.set(`k8s/${stem}.yaml`, objects.map(plain));
  }
  for (const { stem, helmCharts } of charts.components) {
    if (helmCharts.length > 0) expected.set(`helm/${stem}.yaml`, helmCharts.map(plain));
  }
  if (hasTunnel(inventory) && inventory.cloudflare && charts.publicGatewayHost) {
    expected.set("edge.yaml", [plain(edgePlan(inventory, charts.publicExposures, charts.publicGatewayHost))]);
  }
  return expected;
}

function checkRender(inventory: ClusterInventory, source: string, compare = true): void {
  const files = renderCluster(inventory, source);
  const expected = compare ? expectedObjects(inventory) : new Map([["k8s/00-namespaces.yaml", []]]);
  if (compare) expect(expected.size).toBeGreaterThan(3);
  const yamlFiles = files.filter((file) => file.path.endsWith(".yaml"));
  for (const file of yamlFiles) {
    const documents = readBack(file);
    expect({ file: file.path, found: anchorsAndAliases(documents) }).toEqual({ file: file.path, found: [] });
    // toJS applies the parser's default alias limit.
    const read = documents.map((document) => document.toJS());
    const objects = compare ? expected.get(file.path) : undefined;
    if (objects === undefined) continue; // talos/*.yaml: its own emitter, checked for anchors above
    // Deep equality of meaning, with one mismatch named rather than a diff of megabytes.
    expect({ file: file.path, same: isDeepStrictEqual(read, objects) }).toEqual({
      file: file.path,
      same: true,
    });
  }
  expect(yamlFiles.map((file) => file.path)).toEqual(expect.arrayContaining([...expected.keys()]));
}

describe("rendered YAML", () => {
  it.each(stacks)(
    "of stack %s reads back, with default parser limits, as exactly the rendered objects",
    (stack) => {
      checkRender(stackInventory(stack), `Pulumi.${stack}.yaml`);
    },
  );

  it("of 1000 apps has no anchors or aliases and reads back with default parser limits", () => {
    checkRender(parseInventory(syntheticInventory(1000), "bench"), "bench", false);
  });
});
