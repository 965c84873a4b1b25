import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { InventoryError, loadInventoryFile } from "../../inventory";

const fixtures = path.resolve(__dirname, "../fixtures");
const yamlFiles = (folder: string) =>
  readdirSync(path.join(fixtures, folder))
    .filter((name) => name.endsWith(".yaml"))
    .sort();

/** Each invalid fixture states its exact messages in `# expect: <key.path>: <message>` lines. */
function expectedLines(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("# expect: "))
    .map((line) => line.slice("# expect: ".length));
}

function problemsOf(file: string, displayName: string): string[] {
  try {
    loadInventoryFile(file, displayName);
  } catch (error) {
    if (error instanceof InventoryError) return error.lines;
    throw error;
  }
  return [];
}

describe("valid inventories", () => {
  it("has at least eight", () => expect(yamlFiles("valid").length).toBeGreaterThanOrEqual(8));

  it.each(yamlFiles("valid"))("%s is accepted", (name) => {
    expect(problemsOf(path.join(fixtures, "valid", name), name)).toEqual([]);
  });

  it.each(["Pulumi.core.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"])(
    "the project's %s is accepted",
    (name) => {
      expect(problemsOf(path.resolve(__dirname, "../..", name), name)).toEqual([]);
    },
  );
});

describe("invalid inventories", () => {
  it("has at least a hundred", () => expect(yamlFiles("invalid").length).toBeGreaterThanOrEqual(100));

  it.each(yamlFiles("invalid"))("%s is rejected with exactly its expected messages", (name) => {
    const file = path.join(fixtures, "invalid", name);
    const expected = expectedLines(file).map((line) => `${name}: ${line}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(file, name)).toEqual(expected);
  });
});
