import * as path from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { formatProblem, loadInventoryFile, upgradeProblems } from "../../inventory";

/**
 * test/fixtures/upgrades: valid inventories, each with the versions its cluster runs (`# running: <Talos>
 * <Kubernetes>`) and the exact lines the upgrade guards give for going to the inventory's versions
 * (`# expect:`; none: the upgrade is accepted).
 */
const folder = path.resolve(__dirname, "../fixtures/upgrades");
const files = readdirSync(folder)
  .filter((file) => file.endsWith(".yaml"))
  .sort();

describe.each(files)("%s", (file) => {
  const text = readFileSync(path.join(folder, file), "utf8");
  const running = /^# running: (v\S+) (\S+)$/m.exec(text);
  const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((match) => `${file}: ${match[1]}`);

  it("says what the cluster runs, and is a valid inventory", () => {
    expect(running).not.toBeNull();
    expect(() => loadInventoryFile(path.join(folder, file))).not.toThrow();
  });

  it(expected.length === 0 ? "is accepted" : "is refused with exactly its expected lines", () => {
    const inventory = loadInventoryFile(path.join(folder, file));
    const problems = upgradeProblems(
      { talosVersion: running![1], kubernetesVersion: running![2] },
      inventory,
    );
    expect(problems.map((problem) => formatProblem(file, problem))).toEqual(expected);
  });
});

it("has refused and accepted cases", () => {
  const texts = files.map((file) => readFileSync(path.join(folder, file), "utf8"));
  expect(texts.filter((text) => text.includes("# expect:")).length).toBeGreaterThanOrEqual(5);
  expect(texts.filter((text) => !text.includes("# expect:")).length).toBeGreaterThanOrEqual(1);
});
