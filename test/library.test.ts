import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const built = path.join(root, "dist/constructs/index.js");

describe("the construct library, used through the package entry", () => {
  beforeAll(() => {
    if (!existsSync(built))
      throw new Error(`${built} is missing: run \`npm run build\` (npm test does it first)`);
  });

  it("resolves homelab-platform/constructs to built JavaScript and declarations", () => {
    const resolved = execFileSync(
      process.execPath,
      ["-p", 'require.resolve("homelab-platform/constructs")'],
      {
        cwd: root,
        encoding: "utf8",
      },
    ).trim();
    expect(resolved).toBe(built);
    expect(existsSync(path.join(root, "dist/constructs/index.d.ts"))).toBe(true);
  });

  it("synthesizes constructs required from the package entry in plain Node", () => {
    const script = `
      const { App, Chart } = require("cdk8s");
      const { MetalLb } = require("homelab-platform/constructs");
      const chart = new Chart(new App(), "c");
      new MetalLb(chart, "metallb", { addresses: ["192.168.1.240/29"] });
      console.log(JSON.stringify(chart.toJson().map((o) => o.kind)));`;
    const kinds = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" }));
    // Without a phase chart of its own, the webhook readiness gate comes with MetalLB's objects.
    expect(kinds).toEqual([
      "ServiceAccount",
      "Role",
      "RoleBinding",
      "ConfigMap",
      "Job",
      "IPAddressPool",
      "L2Advertisement",
    ]);
  });

  it("type-checks a consumer that imports through the package exports", () => {
    const tsc = spawnSync(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "-p", "test/library/tsconfig.json"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("is the example the README shows, so the README's code compiles", () => {
    const example = readFileSync(path.join(root, "test/library/consumer.ts"), "utf8");
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });
});
