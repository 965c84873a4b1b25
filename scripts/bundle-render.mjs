// Makes render start fast. dist/cli/render.bundle.js is the compiled CLI and everything it loads in one
// file (one file to read instead of hundreds to resolve); dist/cli/render.blob is a V8 startup snapshot
// of it with every module already loaded, valid only for the Node.js that built it
// (dist/cli/render.blob.json says which). `npm run render` (cli/launch-render.mjs) uses the snapshot,
// else the bundle, else the sources. A snapshot that cannot be built is skipped with a warning.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { build } from "esbuild";

// `--started`, before tsc: marks when the build began. A source changed after this moment is not in
// the build, however its modification time compares with the outputs'.
if (process.argv.includes("--started")) {
  mkdirSync("dist/cli", { recursive: true });
  writeFileSync("dist/cli/render.build-started", `${new Date().toISOString()}\n`);
  process.exit(0);
}

const common = { bundle: true, platform: "node", target: "node20", logLevel: "error" };
await build({ ...common, entryPoints: ["dist/cli/render.js"], outfile: "dist/cli/render.bundle.js" });
// The second thread that builds half of the apps of a large cluster (cli/apps-documents.ts).
await build({
  ...common,
  entryPoints: ["dist/cli/render-apps-worker.js"],
  outfile: "dist/cli/render-apps-worker.bundle.js",
});
await build({
  ...common,
  entryPoints: ["dist/cli/render-snapshot.js"],
  outfile: "dist/cli/render-snapshot.bundle.js",
  // The snapshot builder runs the file as a plain script, with no module wrapper around it.
  format: "iife",
});

rmSync("dist/cli/render.blob.json", { force: true });
const snapshot = spawnSync(
  process.execPath,
  ["--snapshot-blob", "dist/cli/render.blob", "--build-snapshot", "dist/cli/render-snapshot.bundle.js"],
  { encoding: "utf8" },
);
if (snapshot.status === 0) {
  writeFileSync("dist/cli/render.blob.json", `${JSON.stringify({ node: process.version })}\n`);
} else {
  rmSync("dist/cli/render.blob", { force: true });
  process.stderr.write(
    `bundle-render: no start-up snapshot (render still works, a little slower): ${snapshot.stderr}\n`,
  );
}
