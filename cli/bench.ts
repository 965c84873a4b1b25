import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump } from "js-yaml";
import { parseInventory } from "../inventory";
import { syntheticInventory } from "./bench-inventory";
import { renderCluster } from "./render-cluster";

/**
 * `npm run bench`: validates and renders synthetic inventories of 10, 100 and 1000 apps, each in a
 * fresh process so that its peak memory is its own, and prints wall time and peak RSS. Then, as a
 * user would: the project's stacks through `npm run render` from a cold process, and 10,000 apps
 * on one cluster through the render command.
 */
const sizes = [10, 100, 1000];
const goals = { maxMs: 5000, maxRssMb: 600, maxGrowth: 12 };
const cliGoals = { coldRenderMs: 1000, bigApps: 10_000, bigMs: 8000, bigRssMb: 600 };
const root = path.resolve(__dirname, "..");

interface Measurement {
  apps: number;
  ms: number;
  rssMb: number;
  files: number;
}

function measureInThisProcess(apps: number): Measurement {
  const input = syntheticInventory(apps);
  const started = process.hrtime.bigint();
  const inventory = parseInventory(input, "bench");
  const files = renderCluster(inventory, "bench");
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // maxRSS is reported in kilobytes.
  return { apps, ms, rssMb: process.resourceUsage().maxRSS / 1024, files: files.length };
}

function measureInChild(apps: number): Measurement {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--apps", String(apps)], {
    encoding: "utf8",
    cwd: root,
  });
  if (child.status !== 0) throw new Error(`bench for ${apps} apps failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Measurement;
}

function main(): void {
  const only = process.argv.indexOf("--apps");
  if (only >= 0) {
    process.stdout.write(JSON.stringify(measureInThisProcess(Number(process.argv[only + 1]))));
    return;
  }
  const results = sizes.map(measureInChild);
  console.log("apps   wall time   peak RSS   files");
  for (const r of results) {
    console.log(
      `${String(r.apps).padStart(4)}   ${r.ms.toFixed(0).padStart(6)} ms   ${r.rssMb.toFixed(0).padStart(5)} MB   ${r.files}`,
    );
  }
  const [, hundred, thousand] = results;
  const growth = thousand.ms / hundred.ms;
  console.log(
    `\n1000 apps: ${thousand.ms.toFixed(0)} ms (goal < ${goals.maxMs}), ${thousand.rssMb.toFixed(0)} MB (goal < ${goals.maxRssMb}), ` +
      `time(1000)/time(100) = ${growth.toFixed(1)} (goal ≤ ${goals.maxGrowth})`,
  );
  const cold = coldRender();
  console.log(
    `\nnpm run render (three stacks, cold process, npm start-up included): ${cold.ms.toFixed(0)} ms ` +
      `(goal < ${cliGoals.coldRenderMs}), ${cold.rssMb.toFixed(0)} MB`,
  );
  const big = bigRender(cliGoals.bigApps);
  console.log(
    `render --inventory of ${cliGoals.bigApps} apps (child process): ${big.ms.toFixed(0)} ms (goal < ${cliGoals.bigMs}), ` +
      `${big.rssMb.toFixed(0)} MB peak RSS (goal < ${cliGoals.bigRssMb}), ${big.files} files`,
  );
  const met =
    thousand.ms < goals.maxMs &&
    thousand.rssMb < goals.maxRssMb &&
    growth <= goals.maxGrowth &&
    cold.ms < cliGoals.coldRenderMs &&
    big.ms < cliGoals.bigMs &&
    big.rssMb < cliGoals.bigRssMb;
  console.log(met ? "all goals met" : "GOALS MISSED");
  process.exitCode = met ? 0 : 1;
}

/**
 * Runs `command` as a user would and measures its wall time and the peak RSS of the largest of its
 * Node processes: each reports its own through a preloaded hook, which NODE_OPTIONS passes on.
 */
function measureCommand(
  command: string,
  args: readonly string[],
  cwd: string,
): { ms: number; rssMb: number; stdout: string } {
  const scratch = mkdtempSync(path.join(tmpdir(), "bench-rss-"));
  try {
    const report = path.join(scratch, "rss.txt");
    const hook = path.join(scratch, "rss-hook.js");
    writeFileSync(
      hook,
      `process.on("exit", () => require("node:fs").appendFileSync(${JSON.stringify(report)}, process.resourceUsage().maxRSS + "\\n"));\n`,
    );
    writeFileSync(report, "");
    const started = process.hrtime.bigint();
    const child = spawnSync(command, args, {
      cwd,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${hook}`.trim() },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${child.stderr}`);
    const rssKb = Math.max(0, ...readFileSync(report, "utf8").split("\n").filter(Boolean).map(Number));
    return { ms, rssMb: rssKb / 1024, stdout: child.stdout };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `npm run render` of every stack of the project into a fresh folder, the whole command timed. */
function coldRender(): { ms: number; rssMb: number } {
  const out = mkdtempSync(path.join(tmpdir(), "bench-render-"));
  try {
    return measureCommand("npm", ["run", "--silent", "render", "--", "--out", out], root);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The render command on a synthetic inventory file of `apps` apps, as `npm run render` runs it. */
function bigRender(apps: number): { ms: number; rssMb: number; files: number } {
  const scratch = mkdtempSync(path.join(tmpdir(), "bench-big-"));
  try {
    const file = path.join(scratch, "inventory.yaml");
    writeFileSync(file, dump(syntheticInventory(apps), { noRefs: true, lineWidth: -1 }));
    const out = path.join(scratch, "out");
    const result = measureCommand(
      "sh",
      [path.join(root, "cli/render.sh"), "--inventory", file, "--out", out],
      root,
    );
    const files = Number(/\((\d+) files\)/.exec(result.stdout)?.[1] ?? 0);
    return { ms: result.ms, rssMb: result.rssMb, files };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
