import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseInventory } from "../inventory";
import { syntheticInventory } from "./bench-inventory";
import { renderCluster } from "./render-cluster";

/**
 * `npm run bench`: validates and renders synthetic inventories of 10, 100 and 1000 apps, each in a
 * fresh process so that its peak memory is its own, and prints wall time and peak RSS.
 */
const sizes = [10, 100, 1000];
const goals = { maxMs: 5000, maxRssMb: 600, maxGrowth: 12 };

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
    cwd: path.resolve(__dirname, ".."),
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
  const met = thousand.ms < goals.maxMs && thousand.rssMb < goals.maxRssMb && growth <= goals.maxGrowth;
  console.log(met ? "all goals met" : "GOALS MISSED");
  process.exitCode = met ? 0 : 1;
}

main();
