import { existsSync, lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { InventoryError, loadInventoryFile, stackNameOf, type ClusterInventory } from "../inventory";
import { resolveTelemetryHubs } from "./telemetry-hubs";
import type { RenderedFile } from "./render-cluster";
import { renderMarker, replaceRefusal, replaceTree } from "./write-tree";

export const usage = `Usage: npm run render -- [--stack <name>]... [--inventory <file>]... [--out <dir>]

Renders every cluster that can be known without credentials into <dir>/<cluster>/.
  --stack <name>      render Pulumi.<name>.yaml (repeatable); default: every Pulumi.*.yaml here
  --inventory <file>  render a plain inventory file or any stack file (repeatable)
  --out <dir>         where to write (default: out)
  -h, --help          print this text

Nothing is written unless every input is valid. Each <dir>/<cluster>/ is replaced as a whole and
holds a ${renderMarker} file; render refuses to replace a <dir>/<cluster> without it
(a folder, file or link it did not create), so delete such a folder once yourself.

Exit codes: 0 rendered, 1 an input is invalid or an output folder is not render's (nothing
written), 2 bad usage (unknown option or stack, --out not a folder).`;

export interface RenderIo {
  readonly cwd: string;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

interface Input {
  /** How messages and the rendered README name the file. */
  readonly source: string;
  readonly file: string;
}

/** Runs `render` and returns the process exit code: 0 rendered, 1 invalid input, 2 bad usage. */
export function runRender(argv: readonly string[], io: RenderIo): number {
  let options: { stack?: string[]; inventory?: string[]; out?: string; help?: boolean };
  try {
    options = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string", multiple: true },
        inventory: { type: "string", multiple: true },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr(`render: ${(error as Error).message}`);
    io.stderr(usage);
    return 2;
  }
  if (options.help) {
    io.stdout(usage);
    return 0;
  }

  const usageError = usageProblem(options, io.cwd);
  if (usageError !== undefined) {
    io.stderr(`render: ${usageError}`);
    io.stderr(usage);
    return 2;
  }
  const inputs = chooseInputs(options, io.cwd);
  if (inputs.length === 0) {
    io.stderr("render: no Pulumi.<stack>.yaml in this folder — pass --stack or --inventory");
    return 2;
  }

  const loaded: { input: Input; inventory: ClusterInventory }[] = [];
  const problems: string[] = [];
  for (const input of inputs) {
    try {
      loaded.push({ input, inventory: loadInventoryFile(input.file, input.source) });
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      problems.push(...error.lines);
    }
  }
  problems.push(...clusterNameClashes(loaded));
  if (problems.length > 0) return refuse(problems, io);
  const telemetry = resolveTelemetryHubs(
    loaded.map(({ input, inventory }) => ({ source: input.source, inventory })),
    io.cwd,
  );
  problems.push(...telemetry.problems);
  if (problems.length > 0) return refuse(problems, io);

  const outDir = path.resolve(io.cwd, options.out ?? "out");
  const shownOut = path.relative(io.cwd, outDir) || ".";
  // Every folder is checked before any is written: all or nothing.
  problems.push(
    ...loaded.flatMap(({ inventory }) => {
      const refusal = replaceRefusal(outDir, inventory.name, shownOut);
      return refusal === undefined ? [] : [`render: ${refusal}`];
    }),
  );
  if (problems.length > 0) return refuse(problems, io);

  // The constructs are loaded only once there is something to render: errors answer fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderCluster } = require("./render-cluster") as typeof import("./render-cluster");
  const rendered: { name: string; source: string; files: RenderedFile[] }[] = [];
  for (const { input, inventory } of loaded) {
    try {
      rendered.push({
        name: inventory.name,
        source: input.source,
        files: renderCluster(inventory, input.source, telemetry.hubs.get(inventory.name)),
      });
    } catch (error) {
      // A construct refused what validation let through: still the user's file, still no stack trace.
      problems.push(
        `${input.source}: ${(error as Error).message} — validation missed this; please report it`,
      );
    }
  }
  if (problems.length > 0) return refuse(problems, io);
  for (const cluster of rendered) {
    replaceTree(outDir, cluster.name, cluster.files);
    const where = path.join(shownOut, cluster.name);
    io.stdout(
      `rendered ${cluster.name} from ${cluster.source} into ${where}/ (${cluster.files.length} files)`,
    );
  }
  return 0;
}

/** Stacks that do not exist and an --out that cannot be a folder are mistakes of the command line. */
function usageProblem(options: { stack?: string[]; out?: string }, cwd: string): string | undefined {
  if (options.out !== undefined) {
    if (options.out.trim() === "") return "--out needs a folder, such as --out out";
    const problem = outProblem(options.out, cwd);
    if (problem !== undefined) return problem;
  }
  const missing = (options.stack ?? []).filter(
    (stack) => !existsSync(path.join(cwd, `Pulumi.${stack}.yaml`)),
  );
  if (missing.length > 0) {
    const known = stacksIn(cwd);
    return (
      `${missing.map((stack) => `--stack ${stack}`).join(", ")}: no Pulumi.${missing[0]}.yaml here — ` +
      (known.length > 0 ? `stacks here: ${known.join(", ")}` : "there are no Pulumi.<stack>.yaml files here")
    );
  }
  return undefined;
}

/**
 * Why `--out` cannot be a folder render writes into: it is not a folder itself, or the nearest part of its
 * path that exists is not one (`README.md/x`, `/dev/null/x`), so the missing folders could not be made.
 */
function outProblem(given: string, cwd: string): string | undefined {
  const out = path.resolve(cwd, given);
  let existing = out;
  let entry = lstatIfPresent(existing);
  while (entry === undefined && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
    entry = lstatIfPresent(existing);
  }
  if (entry === undefined) return undefined;
  let what: string | undefined;
  if (entry.isSymbolicLink()) {
    const target = statIfResolvable(existing);
    if (target === undefined) what = "is a symbolic link that leads nowhere";
    else if (!target.isDirectory()) what = target.isFile() ? "is a file" : "is not a folder";
  } else if (!entry.isDirectory()) what = entry.isFile() ? "is a file" : "is not a folder";
  if (what === undefined) return undefined;
  if (existing === out) return `--out ${given} ${what} — name a folder (it is created if missing)`;
  const shown = path.isAbsolute(given) ? existing : path.relative(cwd, existing) || ".";
  return `--out ${given}: ${shown} ${what}, so no folder can be made inside it — name a folder, or a path below one (missing folders are created)`;
}

/** The entry at `file` itself (a link is not followed), or undefined when the path names nothing. */
function lstatIfPresent(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a part of the path is not a folder; the walk up finds which.
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** What a link leads to, or undefined when it leads nowhere (a missing target, a loop). */
function statIfResolvable(link: string): Stats | undefined {
  try {
    return statSync(link);
  } catch {
    return undefined;
  }
}

function stacksIn(cwd: string): string[] {
  return readdirSync(cwd)
    .filter((name) => name.endsWith(".yaml"))
    .map(stackNameOf)
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

function chooseInputs(options: { stack?: string[]; inventory?: string[] }, cwd: string): Input[] {
  const stacks = options.stack ?? [];
  const inventories = options.inventory ?? [];
  const stackFiles =
    stacks.length > 0 || inventories.length > 0
      ? stacks.map((stack) => `Pulumi.${stack}.yaml`)
      : readdirSync(cwd)
          .filter((name) => stackNameOf(name) !== undefined && name.endsWith(".yaml"))
          .sort();
  return [...stackFiles, ...inventories].map((source) => ({ source, file: path.resolve(cwd, source) }));
}

/** Two inputs that render into the same `<out>/<cluster>` would overwrite each other. */
function clusterNameClashes(loaded: readonly { input: Input; inventory: ClusterInventory }[]): string[] {
  const firstSource = new Map<string, string>();
  const clashes: string[] = [];
  for (const { input, inventory } of loaded) {
    const earlier = firstSource.get(inventory.name);
    if (earlier === undefined) firstSource.set(inventory.name, input.source);
    else {
      clashes.push(
        `${input.source}: name: cluster "${inventory.name}" is also rendered from ${earlier} — each cluster needs a name of its own`,
      );
    }
  }
  return clashes;
}

/** Prints every problem and says nothing was written: exit code 1. */
function refuse(problems: readonly string[], io: RenderIo): number {
  problems.forEach((line) => io.stderr(line));
  io.stderr(`render: ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was written`);
  return 1;
}
