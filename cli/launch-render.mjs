// `npm run render`: starts render the fastest way that is up to date with the sources. A build in
// dist/ (scripts/bundle-render.mjs, run by `npm ci` and `npm run build`) counts when it is at least as
// new as every source it is made from: then the V8 start-up snapshot of render runs, if this Node.js
// built it, else the one-file bundle, else the compiled files. An edited checkout without a fresh build
// runs the sources through tsx, so it always renders what the sources say.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => path.join(root, "dist/cli", file);
const sources = ["inventory", "constructs", "charts", "stacks", "cli", "vendor", "pins.ts", "package.json"];
const args = process.argv.slice(2);

/** The newest modification time of the .ts, .json and .mjs files below `file`, in milliseconds. */
function newest(file) {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  if (!stats.isDirectory()) return /\.(ts|json|mjs)$/.test(file) ? stats.mtimeMs : 0;
  return readdirSync(file).reduce((latest, name) => Math.max(latest, newest(path.join(file, name))), 0);
}

const sourcesChanged = Math.max(...sources.map((source) => newest(path.join(root, source))));
const isCurrent = (file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= sourcesChanged;

function snapshotOfThisNode() {
  // cli/render.sh tried the snapshot already and it belongs to another Node.js.
  if (process.env.HOMELAB_RENDER_SNAPSHOT_REFUSED === "1") return undefined;
  try {
    const { node } = JSON.parse(readFileSync(dist("render.blob.json"), "utf8"));
    return node === process.version && isCurrent(dist("render.blob")) ? dist("render.blob") : undefined;
  } catch {
    return undefined;
  }
}

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit" });
  if (result.error) process.stderr.write(`render: cannot start ${command}: ${result.error.message}\n`);
  process.exitCode = result.error ? 1 : (result.status ?? 1);
  return result.status;
}

const fromSource = process.env.HOMELAB_RENDER_FROM_SOURCE === "1";
// Large clusters build half of their apps on a second thread, from the bundled worker.
const appsWorker = dist("render-apps-worker.bundle.js");
if (!fromSource && isCurrent(appsWorker)) process.env.HOMELAB_RENDER_APPS_WORKER = appsWorker;
const snapshot = fromSource ? undefined : snapshotOfThisNode();
const compiled = fromSource ? undefined : [dist("render.bundle.js"), dist("render.js")].find(isCurrent);
if (snapshot !== undefined) {
  process.env.HOMELAB_RENDER_SNAPSHOT = snapshot;
  // 14: the snapshot cannot load (V8 flags in NODE_OPTIONS, say): the bundle then.
  if (run(process.execPath, ["--snapshot-blob", snapshot, "--", ...args]) === 14 && compiled !== undefined) {
    createRequire(import.meta.url)(compiled);
  }
} else if (compiled !== undefined) {
  createRequire(import.meta.url)(compiled);
} else {
  run(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "cli/render.ts"), ...args]);
}
