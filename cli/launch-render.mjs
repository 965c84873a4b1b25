// `npm run render`: runs the compiled CLI (dist/cli/render.js) when dist/ is at least as new as every
// source it is built from, which saves tsx's start-up (about a second); otherwise runs the sources
// through tsx, so an edited checkout or a clone without a build still just works.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist/cli/render.js");
const sources = ["inventory", "constructs", "charts", "stacks", "cli", "vendor", "pins.ts", "package.json"];

/** The newest modification time of the .ts and .json files below `file`, in milliseconds. */
function newest(file) {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  if (!stats.isDirectory()) return /\.(ts|json)$/.test(file) ? stats.mtimeMs : 0;
  return readdirSync(file).reduce((latest, name) => Math.max(latest, newest(path.join(file, name))), 0);
}

function distIsCurrent() {
  const built = statSync(compiled, { throwIfNoEntry: false });
  if (built === undefined) return false;
  return sources.every((source) => newest(path.join(root, source)) <= built.mtimeMs);
}

if (process.env.HOMELAB_RENDER_FROM_SOURCE !== "1" && distIsCurrent()) {
  createRequire(import.meta.url)(compiled);
} else {
  const result = spawnSync(
    path.join(root, "node_modules/.bin/tsx"),
    [path.join(root, "cli/render.ts"), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  if (result.error) process.stderr.write(`render: cannot start tsx: ${result.error.message}\n`);
  process.exitCode = result.error ? 1 : (result.status ?? 1);
}
