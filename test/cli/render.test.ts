import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  lstatSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runRender } from "../../cli/render-command";
import { renderMarker } from "../../cli/write-tree";

const root = path.resolve(__dirname, "../..");
const invalidFixture = path.join(root, "test/fixtures/invalid/vip-is-a-node.yaml");

/** Every file below `dir` with its bytes, keyed by relative path: a tree to compare. */
function treeOf(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      if (lstatSync(full).isDirectory()) walk(full);
      else tree[path.relative(dir, full)] = readFileSync(full, "latin1");
    }
  };
  walk(dir);
  return tree;
}

function render(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runRender(args, { cwd: root, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { code, stdout, stderr };
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "render-test-"));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe("render", () => {
  it("renders every stack of the project by default", () => {
    const result = render(["--out", scratch]);
    expect(result).toMatchObject({ code: 0, stderr: [] });
    expect(readdirSync(scratch).sort()).toEqual(["core", "dev", "prod"]);
    const prod = readFileSync(path.join(scratch, "prod/README.md"), "utf8");
    expect(prod).toContain("from `Pulumi.prod.yaml`");
    for (const fact of [
      "| ed-n1 | controlplane | 10.20.30.11 | bare metal | /dev/nvme0n1 |",
      "| 10.20.30.10 | Kubernetes API VIP",
      "| vault.example.com | public | 10.20.30.201 | required | Access token (`Cf-Access-Jwt-Assertion` or `CF_Authorization`) | vaultwarden |",
      "| photos.example.com | internal | 10.20.30.200 | — | none | immich |",
    ]) {
      expect(prod).toContain(fact);
    }
    const core = readFileSync(path.join(scratch, "core/README.md"), "utf8");
    expect(core).toContain(
      "| core-cp1 | controlplane | 10.20.10.11 | Proxmox VM on hx90 | /dev/vda | ens18 |",
    );
  });

  it("is byte-identical when run twice", () => {
    const second = mkdtempSync(path.join(tmpdir(), "render-test-"));
    try {
      expect(render(["--out", scratch]).code).toBe(0);
      expect(render(["--out", second]).code).toBe(0);
      const first = treeOf(scratch);
      expect(Object.keys(first).length).toBeGreaterThanOrEqual(3);
      expect(treeOf(second)).toEqual(first);
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });

  it("renders one stack with --stack and any file with --inventory", () => {
    const inventory = path.join(root, "test/fixtures/valid/three-control-planes-two-workers.yaml");
    expect(render(["--stack", "dev", "--inventory", inventory, "--out", scratch]).code).toBe(0);
    expect(readdirSync(scratch).sort()).toEqual(["dev", "lab"]);
  });

  it("replaces a cluster's folder it rendered, so files it no longer renders disappear", () => {
    expect(render(["--stack", "prod", "--out", scratch]).code).toBe(0);
    expect(readdirSync(path.join(scratch, "prod"))).toContain(renderMarker);
    writeFileSync(path.join(scratch, "prod/stale.yaml"), "old");
    writeFileSync(path.join(scratch, "unrelated.txt"), "kept");
    expect(render(["--stack", "prod", "--out", scratch]).code).toBe(0);
    const files = Object.keys(treeOf(scratch));
    expect(files).toContain("unrelated.txt");
    expect(files).toContain("prod/README.md");
    expect(files).not.toContain("prod/stale.yaml");
  });

  it("never replaces a folder it did not render, and then writes no cluster at all", () => {
    mkdirSync(path.join(scratch, "prod"));
    writeFileSync(path.join(scratch, "prod/my-notes.md"), "mine");
    const before = treeOf(scratch);
    const result = render(["--stack", "dev", "--stack", "prod", "--out", scratch]);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `render: ${path.relative(root, scratch)}/prod/ exists but was not written by render (it has no ${renderMarker}) — render replaces only folders it created: move it away, or choose another --out; a folder from a render before the marker existed: delete it once and render again`,
      "render: 1 problem; nothing was written",
    ]);
    expect(treeOf(scratch)).toEqual(before);
  });

  it("never replaces a file or a symbolic link where a cluster folder goes", () => {
    writeFileSync(path.join(scratch, "prod"), "a file");
    mkdirSync(path.join(scratch, "elsewhere"));
    writeFileSync(path.join(scratch, "elsewhere/keep.txt"), "kept");
    symlinkSync(path.join(scratch, "elsewhere"), path.join(scratch, "dev"));
    const result = render(["--stack", "dev", "--stack", "prod", "--out", scratch]);
    expect(result.code).toBe(1);
    const shown = path.relative(root, scratch);
    expect(result.stderr).toEqual([
      `render: ${shown}/dev is a symbolic link — render replaces only folders it created: move it away, or choose another --out`,
      `render: ${shown}/prod is a file, not a rendered folder — render replaces only folders it created: move it away, or choose another --out`,
      "render: 2 problems; nothing was written",
    ]);
    expect(readFileSync(path.join(scratch, "prod"), "utf8")).toBe("a file");
    expect(readdirSync(path.join(scratch, "elsewhere"))).toEqual(["keep.txt"]);
  });

  it("answers an --out that is empty or a file with usage and exit code 2", () => {
    writeFileSync(path.join(scratch, "a-file"), "x");
    for (const [out, message] of [
      ["", "render: --out needs a folder, such as --out out"],
      [
        path.join(scratch, "a-file"),
        `render: --out ${path.join(scratch, "a-file")} is a file — name a folder (it is created if missing)`,
      ],
    ]) {
      const result = render(["--stack", "prod", "--out", out]);
      expect(result.code).toBe(2);
      expect(result.stderr[0]).toBe(message);
      expect(result.stderr.join("\n")).toContain("Usage: npm run render");
    }
    expect(readdirSync(scratch)).toEqual(["a-file"]);
  });

  it("answers an --out below a file, a device or a broken link with usage and exit code 2, creating nothing", () => {
    writeFileSync(path.join(scratch, "a-file"), "x");
    symlinkSync(path.join(scratch, "nowhere"), path.join(scratch, "broken"));
    const below =
      "so no folder can be made inside it — name a folder, or a path below one (missing folders are created)";
    for (const [out, message] of [
      // Relative to the working folder, and named as given: README.md is a file of the project.
      ["README.md/x", `render: --out README.md/x: README.md is a file, ${below}`],
      ["/dev/null/x", `render: --out /dev/null/x: /dev/null is not a folder, ${below}`],
      [
        path.join(scratch, "a-file/deeper/x"),
        `render: --out ${path.join(scratch, "a-file/deeper/x")}: ${path.join(scratch, "a-file")} is a file, ${below}`,
      ],
      [
        path.join(scratch, "broken/x"),
        `render: --out ${path.join(scratch, "broken/x")}: ${path.join(scratch, "broken")} is a symbolic link that leads nowhere, ${below}`,
      ],
      ["/dev/null", "render: --out /dev/null is not a folder — name a folder (it is created if missing)"],
    ]) {
      const result = render(["--stack", "prod", "--out", out]);
      expect({ out, code: result.code, first: result.stderr[0] }).toEqual({ out, code: 2, first: message });
      expect(result.stderr.join("\n")).toContain("Usage: npm run render");
      expect(result.stdout).toEqual([]);
    }
    expect(readdirSync(scratch).sort()).toEqual(["a-file", "broken"]);
    expect(readFileSync(path.join(scratch, "a-file"), "utf8")).toBe("x");
  });

  it("creates the missing folders of an --out whose existing part is folders", () => {
    const out = path.join(scratch, "a/b/c");
    expect(render(["--stack", "prod", "--out", out])).toMatchObject({ code: 0, stderr: [] });
    expect(readdirSync(out)).toEqual(["prod"]);
  });

  it("on invalid input prints the messages, exits 1 and leaves the output folder exactly as it was", () => {
    mkdirSync(path.join(scratch, "lab"));
    writeFileSync(path.join(scratch, "lab/README.md"), "an earlier render");
    writeFileSync(path.join(scratch, "notes.txt"), "mine");
    const before = treeOf(scratch);
    const result = render(["--stack", "prod", "--inventory", invalidFixture, "--out", scratch]);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `${invalidFixture}: network.vip: 192.168.10.11 is the address of node cp1 — the VIP floats between control planes and needs an address no node has`,
      "render: 1 problem; nothing was written",
    ]);
    expect(treeOf(scratch)).toEqual(before);
  });

  it("does not create the output folder when the input is invalid", () => {
    const out = path.join(scratch, "never");
    expect(render(["--inventory", invalidFixture, "--out", out]).code).toBe(1);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("answers a stack that does not exist with the stacks that do, usage and exit code 2", () => {
    const result = render(["--stack", "staging", "--out", scratch]);
    expect(result.code).toBe(2);
    expect(result.stderr[0]).toBe(
      "render: --stack staging: no Pulumi.staging.yaml here — stacks here: core, dev, prod",
    );
    expect(result.stderr.join("\n")).toContain("Usage: npm run render");
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("names a missing --inventory file", () => {
    const result = render(["--inventory", "nowhere.yaml", "--out", scratch]);
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toBe("nowhere.yaml: cannot be read: no such file");
  });

  it("documents its exit codes in the usage text", () => {
    const result = render(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout.join("\n")).toMatch(/Exit codes: 0 rendered, 1 .*\n.*2 bad usage/);
  });

  it("refuses two inputs that would render the same cluster folder", () => {
    const result = render(["--stack", "prod", "--inventory", "Pulumi.prod.yaml", "--out", scratch]);
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toBe(
      'Pulumi.prod.yaml: name: cluster "prod" is also rendered from Pulumi.prod.yaml — each cluster needs a name of its own',
    );
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("answers an unknown option with usage and exit code 2", () => {
    const result = render(["--colour", "blue"]);
    expect(result.code).toBe(2);
    expect(result.stderr.join("\n")).toContain("Usage: npm run render");
  });

  it("as a process, answers an --out below a file as bad usage (exit 2), not as an internal error", () => {
    const result = spawnSync(
      path.join(root, "node_modules/.bin/tsx"),
      ["cli/render.ts", "--stack", "prod", "--out", "README.md/x"],
      { cwd: root, encoding: "utf8" },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^render: --out README\.md\/x: README\.md is a file, /);
    expect(result.stderr).toContain("Usage: npm run render");
    expect(result.stderr).not.toContain("internal error");
  });

  it("as a process, fails on bad input without a stack trace", () => {
    const result = spawnSync(
      path.join(root, "node_modules/.bin/tsx"),
      ["cli/render.ts", "--inventory", invalidFixture, "--out", scratch],
      { cwd: root, encoding: "utf8" },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("network.vip: 192.168.10.11 is the address of node cp1");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(execFileSync("ls", [scratch], { encoding: "utf8" })).toBe("");
  });
});
