// `npm run render` (cli/render.sh) when render's start-up snapshot cannot be used directly: starts render
// the fastest way that is up to date with the sources. A build in dist/ (`npm ci`, `npm run build`)
// counts when nothing it reads changed after it began (dist/cli/render.build-started): then the V8
// start-up snapshot runs, if this Node.js built it and NODE_OPTIONS holds no V8 flags, else the
// one-file bundle, else the compiled files. Otherwise render runs from the sources through tsx, so it
// always renders what the sources say.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (file) => path.join(root, "dist/cli", file);
// What the build reads; cli/render.sh watches the same.
const sources = [
  "inventory",
  "constructs",
  "charts",
  "stacks",
  "cli",
  "vendor",
  "scripts",
  "pins.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
];
const args = process.argv.slice(2);
const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** The newest modification time of the files below `file`, in milliseconds. */
function newest(file) {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(file).reduce((latest, name) => Math.max(latest, newest(path.join(file, name))), 0);
}

const started = mtime(dist("render.build-started"));
const buildIsCurrent =
  process.env.HOMELAB_RENDER_FROM_SOURCE !== "1" &&
  started !== undefined &&
  Math.max(...sources.map((source) => newest(path.join(root, source)))) < started;
/** A build output written after the build began, if the build is current. */
const output = (file) => (buildIsCurrent && (mtime(file) ?? 0) >= started ? file : undefined);

/** Only `--require`/`-r` with their modules in NODE_OPTIONS: anything else may be a V8 flag. */
function nodeOptionsAllowSnapshot() {
  const words = (process.env.NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean);
  return words.every(
    (word, index) => ["--require", "-r"].includes(word) || ["--require", "-r"].includes(words[index - 1]),
  );
}

function snapshotOfThisNode() {
  // cli/render.sh tried the snapshot already and it belongs to another Node.js.
  if (process.env.HOMELAB_RENDER_SNAPSHOT_REFUSED === "1" || !nodeOptionsAllowSnapshot()) return undefined;
  try {
    const { node } = JSON.parse(readFileSync(dist("render.blob.json"), "utf8"));
    return node === process.version ? output(dist("render.blob")) : undefined;
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

const fromSources = () =>
  run(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "cli/render.ts"), ...args]);
const appsWorker = output(dist("render-apps-worker.bundle.js"));
// Large clusters build half of their apps in a second process, from the snapshot or the bundled worker.
if (appsWorker !== undefined) process.env.HOMELAB_RENDER_APPS_WORKER = appsWorker;
const snapshot = snapshotOfThisNode();
const compiled = output(dist("render.bundle.js")) ?? output(dist("render.js"));
const runCompiled = () => {
  // The second process must not try the snapshot either.
  delete process.env.HOMELAB_RENDER_SNAPSHOT;
  createRequire(import.meta.url)(compiled);
};

if (snapshot !== undefined) {
  process.env.HOMELAB_RENDER_SNAPSHOT = snapshot;
  // 14: the snapshot could not load after all; then the bundle, or the sources.
  if (run(process.execPath, ["--snapshot-blob", snapshot, "--", ...args]) === 14) {
    if (compiled !== undefined) runCompiled();
    else fromSources();
  }
} else if (compiled !== undefined) {
  runCompiled();
} else {
  fromSources();
}
