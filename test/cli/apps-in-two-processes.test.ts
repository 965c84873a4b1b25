import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump } from "js-yaml";
import { componentFileStem } from "../../charts/components";
import { syntheticInventory } from "../../cli/bench-inventory";

/**
 * A cluster of thousands of apps renders half of them in a second process (cli/apps-documents.ts);
 * whichever way render starts, the files are the same as from one process. Runs the build that
 * `npm test` makes first (pretest).
 */
const root = path.resolve(__dirname, "../..");
const dist = (file: string) => path.join(root, "dist/cli", file);
const work = mkdtempSync(path.join(tmpdir(), "homelab-two-processes-"));
const inventory = path.join(work, "lab.yaml");
writeFileSync(inventory, dump(syntheticInventory(2100)));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(name: string, args: string[], env: Record<string, string>): Map<string, string> {
  const out = path.join(work, name);
  const { HOMELAB_RENDER_APPS_WORKER, HOMELAB_RENDER_SNAPSHOT, NODE_OPTIONS, ...inherited } = process.env;
  void [HOMELAB_RENDER_APPS_WORKER, HOMELAB_RENDER_SNAPSHOT, NODE_OPTIONS];
  const run = spawnSync(process.execPath, [...args, "--inventory", inventory, "--out", out], {
    cwd: root,
    env: { ...inherited, ...env },
    encoding: "utf8",
    timeout: 180_000,
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(file);
      else files.set(path.relative(out, file), readFileSync(file, "utf8"));
    }
  };
  walk(out);
  return files;
}

describe("a second process that dies without answering", () => {
  it("fails render with one line, quickly, leaving no temporary files", () => {
    const crash = path.join(work, "crash.js");
    writeFileSync(crash, "process.exit(3);\n");
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("homelab-render-apps-")));
    const run = spawnSync(
      process.execPath,
      [dist("render.bundle.js"), "--inventory", inventory, "--out", path.join(work, "crash")],
      {
        cwd: root,
        env: { ...process.env, HOMELAB_RENDER_APPS_WORKER: crash, HOMELAB_RENDER_SNAPSHOT: "" },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/stopped without an answer/);
    expect(existsSync(path.join(work, "crash"))).toBe(false);
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith("homelab-render-apps-"));
    expect(after.filter((name) => !before.has(name))).toEqual([]);
  });
});

describe("thousands of apps", () => {
  it("render the same in one process and in two", () => {
    expect(existsSync(dist("render-apps-worker.bundle.js"))).toBe(true);
    const one = render("one", [dist("render.bundle.js")], {});
    const two = render("two", [dist("render.bundle.js")], {
      HOMELAB_RENDER_APPS_WORKER: dist("render-apps-worker.bundle.js"),
    });
    expect(one.get(`bench/k8s/${componentFileStem("apps")}.yaml`)!.length).toBeGreaterThan(1_000_000);
    expect(two).toEqual(one);
    if (existsSync(dist("render.blob"))) {
      const fromSnapshot = render("snapshot", ["--snapshot-blob", dist("render.blob"), "--"], {
        HOMELAB_RENDER_APPS_WORKER: dist("render-apps-worker.bundle.js"),
        HOMELAB_RENDER_SNAPSHOT: dist("render.blob"),
      });
      expect(fromSnapshot).toEqual(one);
    }
  });
});
