import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { parseAllDocuments } from "yaml";
import { validateManifest } from "../support/k8s-schema";

/**
 * The library as a user gets it: `npm pack` of this repository (already built by `pretest`), installed into a
 * fresh project that depends on nothing but the peer dependencies, the README's example compiled there with
 * the installed declarations and run with plain Node.
 */

const root = path.resolve(__dirname, "../..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const peers = Object.keys(manifest.peerDependencies).sort();

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** npm run by `npm test` passes its own settings on in npm_* variables; a child npm in another project must not inherit the project-local ones. */
function npmEnvironment(): NodeJS.ProcessEnv {
  const kept = /^npm_config_(cache|registry|userconfig|proxy|https_proxy|noproxy|strict_ssl|cafile)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)),
  );
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: npmEnvironment(),
    maxBuffer: 64 * 1024 * 1024,
  });
}

function runOrThrow(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} in ${cwd} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Every file the `exports` map and `types` point at, without the leading `./`. */
function exportedFiles(): string[] {
  const targets = Object.values(manifest.exports).flatMap((target) =>
    typeof target === "string" ? [target] : Object.values(target),
  );
  return [...new Set([...targets, manifest.types])].map((target) => target.replace(/^\.\//, "")).sort();
}

/** A packed file that a user of the library must never receive. */
function forbiddenReason(file: string): string | undefined {
  if (/^(test|fixtures|out|node_modules|stacks|cli|scripts|coverage)\//.test(file)) return "not library code";
  if (/(^|\/)(test|fixtures|__snapshots__)\//.test(file)) return "a test file";
  if (/^dist\/(stacks|cli|test)\//.test(file)) return "compiled code the library does not export";
  if (/^Pulumi(\..+)?\.yaml$/.test(file)) return "a Pulumi project or stack file";
  if (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)) return "TypeScript source";
  if (/\.map$/.test(file)) return "a source map of sources the package does not carry";
  if (/\.test\.(js|d\.ts)$/.test(file)) return "a test";
  if (!/^dist\//.test(file) && !["package.json", "README.md", "CHANGELOG.md", "LICENSE"].includes(file)) {
    return "outside dist/";
  }
  if (/^dist\//.test(file) && !/\.(js|d\.ts|json)$/.test(file))
    return "not compiled JavaScript, a declaration or data";
  return undefined;
}

/** The source a compiled file came from; a packed file without one is stale output of a deleted source. */
function sourceOf(file: string): string {
  return file.replace(/^dist\//, "").replace(/\.d\.ts$|\.js$/, ".ts");
}

let work: string;
let consumer: string;
let packed: PackResult;

beforeAll(() => {
  if (!existsSync(path.join(root, "dist/constructs/index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
  }
  work = mkdtempSync(path.join(tmpdir(), "homelab-platform-package-"));
  consumer = path.join(work, "consumer");
  mkdirSync(consumer);

  // pretest has built dist/; packing without scripts keeps other suites reading dist/ undisturbed.
  const output = runOrThrow("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], root);
  [packed] = JSON.parse(output.slice(output.indexOf("["))) as PackResult[];

  // A fresh project: the peer dependencies at the versions this repository is tested with, nothing else.
  const dependencies = Object.fromEntries(peers.map((peer) => [peer, manifest.devDependencies[peer]]));
  writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", version: "0.0.0", private: true, dependencies }, null, 2),
  );
  runOrThrow(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      path.join(work, packed.filename),
    ],
    consumer,
  );
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed library", () => {
  it("carries compiled JavaScript and declarations for every exports entry", () => {
    const files = packed.files.map((file) => file.path);
    expect(exportedFiles().filter((file) => !files.includes(file))).toEqual([]);
    expect(exportedFiles()).toEqual(
      expect.arrayContaining([
        "dist/constructs/index.js",
        "dist/constructs/index.d.ts",
        "dist/inventory/index.js",
        "dist/charts/index.d.ts",
      ]),
    );
  });

  it("carries a declaration beside every module, with the doc comments", () => {
    const files = new Set(packed.files.map((file) => file.path));
    const modules = [...files].filter((file) => file.endsWith(".js"));
    expect(modules.filter((file) => !files.has(file.replace(/\.js$/, ".d.ts")))).toEqual([]);
    const declarations = readFileSync(
      path.join(consumer, "node_modules", manifest.name, "dist/constructs/metal-lb.d.ts"),
      "utf8",
    );
    expect(declarations).toMatch(/\/\*\*[\s\S]*\*\/\s*export declare class MetalLb\b/);
  });

  it("documents every export of the constructs entry, and every member of its classes and interfaces, in the declarations", () => {
    const entry = path.join(consumer, "node_modules", manifest.name, "dist/constructs/index.d.ts");
    const program = ts.createProgram([entry], { noEmit: true, skipLibCheck: true, types: [] });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${entry} is not a module`);
    const documented = (symbol: ts.Symbol) =>
      ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";
    const undocumented = checker.getExportsOfModule(moduleSymbol).flatMap((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const own = documented(symbol) ? [] : [symbol.name];
      if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return own;
      const members = [...(symbol.members?.values() ?? [])].filter((member) => {
        if (member.name === "__constructor") return false;
        const modifiers = ts.getCombinedModifierFlags(member.declarations?.[0] ?? ({} as ts.Declaration));
        return !(modifiers & ts.ModifierFlags.Private);
      });
      return [
        ...own,
        ...members.filter((member) => !documented(member)).map((member) => `${symbol.name}.${member.name}`),
      ];
    });
    expect(undocumented).toEqual([]);
  });

  it("carries nothing else: no tests, fixtures, stack files, sources, out/ or source maps", () => {
    const forbidden = packed.files
      .map((file) => file.path)
      .map((file) => [file, forbiddenReason(file)])
      .filter(([, reason]) => reason !== undefined);
    expect(forbidden).toEqual([]);
  });

  it("carries no stale output: every compiled file has its source in the repository", () => {
    const stale = packed.files
      .map((file) => file.path)
      .filter((file) => file.startsWith("dist/"))
      .filter(
        (file) =>
          !existsSync(path.join(root, file.endsWith(".json") ? file.replace(/^dist\//, "") : sourceOf(file))),
      );
    // A source deleted or renamed leaves its output in dist/: delete dist/ and run `npm run build`.
    expect(stale).toEqual([]);
  });

  it("requires at run time only Node built-ins, its dependencies, its peer dependencies and its own files", () => {
    const allowed = new Set([...Object.keys(manifest.dependencies), ...peers]);
    const installed = path.join(consumer, "node_modules", manifest.name);
    const required = packed.files
      .map((file) => file.path)
      .filter((file) => file.endsWith(".js"))
      .flatMap((file) =>
        [...readFileSync(path.join(installed, file), "utf8").matchAll(/\brequire\("([^"]+)"\)/g)].map(
          (match) => ({ file, specifier: match[1] }),
        ),
      );
    const builtins = new Set(builtinModules);
    const undeclared = required.filter(({ specifier }) => {
      if (specifier.startsWith(".")) return false;
      if (specifier.startsWith("node:") || builtins.has(specifier)) return false;
      const name = specifier.startsWith("@")
        ? specifier.split("/").slice(0, 2).join("/")
        : specifier.split("/")[0];
      return !allowed.has(name);
    });
    expect(undeclared).toEqual([]);
    expect(required.some(({ specifier }) => specifier.startsWith("@pulumi/"))).toBe(false);

    // A relative require must land on a packed file: a module, or data such as vendor/talos/extensions.json.
    const files = new Set(packed.files.map((file) => file.path));
    const unpacked = required
      .filter(({ specifier }) => specifier.startsWith("."))
      .map(({ file, specifier }) => ({ file, target: path.posix.join(path.posix.dirname(file), specifier) }))
      .filter(
        ({ target }) =>
          ![target, `${target}.js`, `${target}/index.js`].some((candidate) => files.has(candidate)),
      );
    expect(unpacked).toEqual([]);
  });
});

describe("a project that installs the packed library beside its peer dependencies", () => {
  it("holds a single copy of each peer dependency, constructs above all", () => {
    for (const peer of peers) {
      const paths = run("npm", ["ls", peer, "--all", "--parseable"], consumer)
        .stdout.split("\n")
        .filter((line) => line.trim() !== "");
      expect({ peer, paths }).toEqual({ peer, paths: [path.join(consumer, "node_modules", peer)] });
    }
    const tree = JSON.parse(runOrThrow("npm", ["ls", "--all", "--json"], consumer)) as {
      dependencies: Record<string, { version: string }>;
    };
    expect(tree.dependencies[manifest.name]).toBeDefined();
    expect(tree.dependencies.constructs.version).toBe(manifest.devDependencies.constructs);
  });

  it("compiles the README's example and a use of every entry with strict settings and node16 resolution", () => {
    copyFileSync(path.join(root, "test/library/consumer.ts"), path.join(consumer, "consumer.ts"));
    writeFileSync(
      path.join(consumer, "entries.ts"),
      [
        'import type { ClusterInventory } from "homelab-platform/inventory";',
        'import { buildClusterCharts } from "homelab-platform/charts";',
        'import { MetalLb, type MetalLbProps } from "homelab-platform/constructs";',
        "export type Build = (inventory: ClusterInventory) => ReturnType<typeof buildClusterCharts>;",
        "export const props: MetalLbProps = { addresses: [] };",
        "export const construct: typeof MetalLb = MetalLb;",
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "node16",
          moduleResolution: "node16",
          strict: true,
          noUnusedLocals: true,
          skipLibCheck: false,
          types: [],
          outDir: "build",
        },
        files: ["consumer.ts", "entries.ts"],
      }),
    );
    const tsc = run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "."], consumer);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("runs the example with Node and synthesizes objects that validate against their schemas", () => {
    const printed = runOrThrow(
      process.execPath,
      ["-e", 'console.log(JSON.stringify(require("./build/consumer.js").kinds))'],
      consumer,
    );
    const kinds = JSON.parse(printed) as string[];
    expect(new Set(kinds)).toEqual(
      new Set([
        // MetalLB used alone, without a phase chart of its own, brings its webhook readiness gate: a Job
        // with its ServiceAccount, Role, RoleBinding and the ConfigMap holding its script.
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Job",
        "IPAddressPool",
        "L2Advertisement",
        "Namespace",
        "AppProject",
        "Application",
        "NetworkPolicy",
        "HTTPRoute",
      ]),
    );

    // app.synth() writes the chart to dist/ of the working directory, as in any cdk8s project.
    const written = parseAllDocuments(readFileSync(path.join(consumer, "dist/lab.k8s.yaml"), "utf8")).map(
      (doc) => doc.toJS(),
    ) as { kind: string }[];
    expect(written.map((object) => object.kind)).toEqual(kinds);
    expect(written.flatMap((object) => validateManifest(object))).toEqual([]);
  });

  it("loads every entry with Node", () => {
    const script = Object.keys(manifest.exports)
      .filter((entry) => entry !== "./package.json")
      .map((entry) => `Object.keys(require("${manifest.name}/${entry.replace(/^\.\//, "")}")).length`)
      .join(", ");
    const counts = JSON.parse(
      runOrThrow(process.execPath, ["-e", `console.log(JSON.stringify([${script}]))`], consumer),
    ) as number[];
    expect(counts.every((count) => count > 0)).toBe(true);
  });
});
