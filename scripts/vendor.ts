/**
 * Rebuilds vendor/ — the upstream schemas, CRDs, Talos extension list and Helm chart facts the tests
 * read — from upstream, at the versions pins.ts pins. See vendor/README.md.
 *
 *   npm run vendor                  fetch from upstream (needs helm and network)
 *   npm run vendor -- --from <dir>  read a local folder laid out like shared/ (schemas/, charts/, reference/data/)
 *   npm run vendor -- --check       only report where vendor/ does not match pins.ts
 *   --out <dir>                     write somewhere other than vendor/
 *
 * vendor/sources.json names the upstream repository, tag and path of every file; its versions are
 * expressions over pins.ts, so a Renovate bump of a pin moves what the refresh fetches.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { pins } from "../pins";

export const projectRoot = path.resolve(__dirname, "..");
export const vendorDirectory = path.join(projectRoot, "vendor");

/** A failure the user can act on: printed as one line, without a stack. */
export class VendorError extends Error {}

// ---------------------------------------------------------------------------------------------
// The manifest (vendor/sources.json)

export interface GitHubFile {
  readonly repo: string;
  readonly ref: string;
  readonly path: string;
}

export interface ChartFile {
  /** The `key` of a chart entry: the file comes from that pulled chart. */
  readonly chart: string;
  readonly path: string;
  readonly transform?: "strip-template-lines";
}

export interface FileEntry {
  readonly version: string;
  readonly versionNote?: string;
  /** Fails the refresh when the named chart file says another version. */
  readonly mustMatch?: { readonly chart: string; readonly file: string; readonly pattern: string };
  /** Path under vendor/; ending in `/` for a folder of `files`. */
  readonly dest: string;
  /** Path in a --from folder. */
  readonly local: string;
  readonly upstream: GitHubFile | ChartFile;
  /** For a folder: the file names, or vendored name → upstream name. */
  readonly files?: readonly string[] | Readonly<Record<string, string>>;
}

export interface ChartEntry {
  readonly key: string;
  readonly name: string;
  readonly version: string;
  readonly versionNote?: string;
  readonly repository: string;
}

export interface ExtensionsEntry {
  readonly version: string;
  readonly dest: string;
  readonly local: string;
  readonly upstream: GitHubFile;
}

export interface Manifest {
  readonly extensions?: ExtensionsEntry;
  readonly files: readonly FileEntry[];
  readonly charts: readonly ChartEntry[];
}

export type Pins = Readonly<Record<string, unknown>>;

export function readManifest(file = path.join(vendorDirectory, "sources.json")): Manifest {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

interface Context {
  readonly pins: Pins;
  /** appVersion by chart key, once the chart is read. */
  readonly appVersions: Map<string, string>;
}

/** Expands `{pins.a.b}` and `{appVersion:<chart key>}` in a version expression. */
export function resolveVersion(expression: string, context: Context): string {
  return expression.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name.startsWith("pins.")) {
      const value = name
        .slice("pins.".length)
        .split(".")
        .reduce<unknown>(
          (at, key) =>
            typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined,
          context.pins,
        );
      if (typeof value !== "string")
        throw new VendorError(`vendor: sources.json reads {${name}}, which pins.ts does not define`);
      return value;
    }
    if (name.startsWith("appVersion:")) {
      const appVersion = context.appVersions.get(name.slice("appVersion:".length));
      if (appVersion === undefined)
        throw new VendorError(`vendor: sources.json reads {${name}} of no known chart`);
      return appVersion;
    }
    throw new VendorError(`vendor: sources.json: unknown placeholder {${name}}`);
  });
}

/** Whether a version expression follows pins.ts (otherwise sources.json itself holds the version). */
function isPinned(expression: string): boolean {
  return /\{(pins\.|appVersion:)/.test(expression);
}

/** Expands `{version}` and `{minor}` (v1.13.9 → v1.13) in a path. */
export function expandPath(template: string, version: string): string {
  const minor = /^(v?\d+\.\d+)/.exec(version)?.[1] ?? version;
  return template.replace(/\{version\}/g, version).replace(/\{minor\}/g, minor);
}

function fileNames(entry: FileEntry): [vendored: string, upstream: string][] {
  if (!entry.files) return [["", ""]];
  if (Array.isArray(entry.files)) return entry.files.map((name: string) => [name, name]);
  return Object.entries(entry.files as Record<string, string>);
}

// ---------------------------------------------------------------------------------------------
// Talos extensions

export interface ExtensionList {
  talosVersion: string;
  source: string;
  extensions: { name: string; tier: string; version: string }[];
}

/** `name tier version` lines after `#` comments, the first comment naming the source after a colon. */
export function extensionsFromText(text: string, talosVersion: string): ExtensionList {
  const lines = text.split("\n");
  const source = /^#[^:]*:\s*(.+?)\.?\s*$/.exec(lines[0] ?? "")?.[1];
  if (source === undefined)
    throw new VendorError("vendor: the extensions list must start with a `# ...: <source>.` comment");
  const extensions = lines
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const fields = line.split(/\s+/);
      if (fields.length !== 3)
        throw new VendorError(`vendor: extensions line "${line}" is not \`name tier version\``);
      const [name, tier, version] = fields;
      return { name: `siderolabs/${name}`, tier, version };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { talosVersion, source, extensions };
}

export function extensionsJson(list: ExtensionList): string {
  return `${JSON.stringify(list, null, 2)}\n`;
}

/**
 * The extensions table of siderolabs/extensions' README.md as `name tier version` text: the table
 * whose header has Name, Tier and Version columns (links and backticks stripped).
 */
export function extensionsTextFromReadme(readme: string, talosVersion: string): string {
  const rows = readme.split("\n").filter((line) => line.trim().startsWith("|"));
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((cell) =>
        cell
          .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
          .replace(/`/g, "")
          .trim(),
      );
  let columns: { name: number; tier: number; version: number } | undefined;
  const out: string[] = [];
  for (const row of rows) {
    const values = cells(row);
    const header = values.map((value) => value.toLowerCase());
    if (header.includes("name") && header.includes("tier") && header.includes("version")) {
      columns = {
        name: header.indexOf("name"),
        tier: header.indexOf("tier"),
        version: header.indexOf("version"),
      };
      continue;
    }
    if (!columns || values.every((value) => /^:?-+:?$/.test(value))) continue;
    const name = values[columns.name]?.replace(/^siderolabs\//, "");
    if (name) out.push(`${name} ${values[columns.tier]} ${values[columns.version]}`);
  }
  if (out.length === 0) {
    throw new VendorError(
      `vendor: no Name/Tier/Version table in siderolabs/extensions README.md at ${talosVersion} — write reference/data/talos-${talosVersion}-extensions.txt by hand and run npm run vendor -- --from <dir>`,
    );
  }
  return [
    `# Official Talos system extensions: siderolabs/extensions at tag ${talosVersion}, README.md table.`,
    "# Columns: name, tier (core/extra/contrib), version. The Image Factory names each siderolabs/<name>.",
    ...out,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Chart facts

export interface Hook {
  template: string;
  kind: string;
  name: string | null;
  events: string[];
  weight: string | null;
  deletePolicy: string[];
  /**
   * The values key the hook annotations come from when the template takes them from values (cert-manager's
   * `startupapicheck.jobAnnotations`), paths from the top chart; null when the template writes them itself.
   */
  annotationsFrom: string | null;
  /**
   * The template actions the document sits inside, outermost first (`if …`, `with …`, `range …`,
   * `define …`, `else …`), with `.Values` paths from the top chart; a subchart's dependency condition
   * comes first as `if .Values.<condition>`. What a test needs to prove a hook is turned off by values.
   */
  guards: string[];
}

export interface Webhook {
  template: string;
  kind: string;
  name: string | null;
  webhooks: { name: string | null; service: { name: string | null; namespace: string | null } | null }[];
  /** The template actions the configuration sits inside, as for `Hook.guards`. */
  guards: string[];
}

export interface Subchart {
  key: string;
  name: string;
  version: string | null;
  condition: string | null;
  enabledByDefault: boolean;
  unpacked: boolean;
}

export interface ChartFacts {
  chart: { name: string; version: string; appVersion: string | null; repository: string; pinned: boolean };
  sourceForm?: { version: string; appVersion: string | null };
  source: Record<string, string>;
  valuesFile: string;
  subcharts: Subchart[];
  hooks: Hook[];
  webhooks: Webhook[];
  services: { template: string; name: string | null }[];
  valuesReferences: string[];
  values: unknown;
}

interface KeyLine {
  path: string[];
  value: string;
  /** The line opened a list item (`- key: value`). */
  itemStart: boolean;
}

const keyLinePattern = /^( *)(- +)?("[^"]*"|'[^']*'|[^\s"'#{}:-][^:#]*?|-[^\s:#][^:#]*?):(?:\s+(.*?))?\s*$/;

/**
 * The `key: value` lines of one template document with their key paths (`[]` marks a list item),
 * read by indentation. Go template lines (`{{ ... }}` alone), comments and block scalar bodies are skipped.
 */
export function keyLines(document: string): KeyLine[] {
  const stack: { column: number; path: string[]; parent: string[] }[] = [];
  const found: KeyLine[] = [];
  let blockColumn: number | undefined;
  for (const line of document.split("\n")) {
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    if (blockColumn !== undefined) {
      if (line.trim() === "" || indent > blockColumn) continue;
      blockColumn = undefined;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("{{")) continue;
    const match = keyLinePattern.exec(line);
    if (!match) continue;
    const [, spaces, dash, rawKey, rawValue] = match;
    const key = rawKey.replace(/^["']|["']$/g, "");
    const column = spaces.length + (dash?.length ?? 0);
    let parent: string[];
    if (dash) {
      while (stack.length > 0 && stack[stack.length - 1].column >= column) stack.pop();
      parent = [...(stack[stack.length - 1]?.path ?? []), "[]"];
    } else {
      while (stack.length > 0 && stack[stack.length - 1].column > column) stack.pop();
      const top = stack[stack.length - 1];
      if (top && top.column === column) {
        parent = top.parent;
        stack.pop();
      } else {
        parent = top?.path ?? [];
      }
    }
    const keyPath = [...parent, key];
    stack.push({ column, path: keyPath, parent });
    const value = withoutComment(rawValue ?? "");
    found.push({ path: keyPath, value, itemStart: dash !== undefined });
    if (/^[|>][-+0-9]*$/.test(value)) blockColumn = column;
  }
  return found;
}

/**
 * A value without its trailing `# comment`: a quoted value ends at its closing quote, and quotes or `#`
 * inside `{{ ... }}` actions do not count.
 */
function withoutComment(value: string): string {
  const masked = value.replace(/\{\{.*?\}\}/g, (action) => "x".repeat(action.length));
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')(?=\s*(#|$))/.exec(masked);
  const end = quoted ? quoted[1].length : masked.replace(/\s+#.*$/, "").length;
  return value.slice(0, end);
}

const unquote = (text: string) => text.trim().replace(/^["']|["']$/g, "");
const list = (text: string | undefined) =>
  text === undefined
    ? []
    : unquote(text)
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");

function valueAt(lines: KeyLine[], ...keyPath: string[]): string | undefined {
  return lines.find((line) => line.path.join("\u0000") === keyPath.join("\u0000"))?.value;
}

/** The documents of a template file: split on `---` lines. */
export function templateDocuments(text: string): string[] {
  return text.split(/^---[ \t]*(?:#.*)?$/m);
}

/**
 * For each document of a template file (split as `templateDocuments` does), the template actions open
 * at its `kind:` line, outermost first: `if <condition>`, `with <pipeline>`, `range …`, `define "…"`,
 * `else …` (the `if` it continues, negated by reading). Documents without a top-level `kind:` get [].
 */
export function documentGuards(text: string): string[][] {
  const open: string[] = [];
  const guards: string[][] = [[]];
  const action = /\{\{-?\s*(if|with|range|define|block|else|end)\b(.*?)\s*-?\}\}/g;
  for (const line of text.split("\n")) {
    if (/^---[ \t]*(?:#.*)?$/.test(line)) {
      guards.push([]);
      continue;
    }
    if (/^kind:/.test(line)) guards[guards.length - 1] = [...open];
    for (const match of line.matchAll(action)) {
      const [, keyword, rest] = match;
      const argument = rest.trim();
      if (keyword === "end") open.pop();
      else if (keyword === "else") {
        const previous = open.pop() ?? "";
        open.push(`else ${argument === "" ? "" : `${argument} `}(of ${previous})`.replace(/ +/g, " "));
      } else open.push(argument === "" ? keyword : `${keyword} ${argument}`);
    }
  }
  return guards;
}

/** `.Values.a` (and `$.Values.a`, `$root.Values.a`) as `.Values.<prefix>a`: paths from the top chart. */
function prefixValues(text: string, keyPrefix: string): string {
  return keyPrefix === ""
    ? text
    : text.replace(/(?<![\w])(\$\w*)?\.Values\.(?!global\b)/g, `$1.Values.${keyPrefix}`);
}

/** `.Values.a.b`, `$.Values.a.b`, `$root.Values.a.b` and `index .Values "a" "b"` paths a template reads. */
export function valuesReferences(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?<![\w$])(?:\$\w*)?\.Values((?:\.\w+)+)/g)) {
    found.add(match[1].slice(1));
  }
  for (const match of text.matchAll(/\bindex\s+(?:\$\w*)?\.Values((?:\.\w+)*)((?:\s+"[^"]*")+)/g)) {
    const keys = [...match[2].matchAll(/"([^"]*)"/g)].map((key) => key[1]);
    found.add([...match[1].split(".").filter((key) => key !== ""), ...keys].join("."));
  }
  return [...found];
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Helm's coalescing of a subchart's defaults under the parent's values: the parent wins, null deletes. */
export function coalesce(defaults: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return defaults;
  if (!isMap(defaults) || !isMap(overrides)) return overrides;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = coalesce(defaults[key], value);
  }
  return merged;
}

function listFiles(directory: string, under = ""): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const relative = under === "" ? entry.name : `${under}/${entry.name}`;
      return entry.isDirectory() ? listFiles(path.join(directory, entry.name), relative) : [relative];
    });
}

interface LoadedChart {
  chartYaml: Record<string, unknown>;
  valuesFile: string;
  values: Record<string, unknown>;
  templates: { file: string; text: string }[];
  subcharts: {
    dependency: Record<string, unknown> | undefined;
    chart: LoadedChart | undefined;
    name: string;
  }[];
}

function loadChart(directory: string, scratch: string): LoadedChart {
  const chartYaml = (parse(fs.readFileSync(path.join(directory, "Chart.yaml"), "utf8")) ?? {}) as Record<
    string,
    unknown
  >;
  const valuesFile = ["values.yaml", "values.tmpl.yaml"].find((file) =>
    fs.existsSync(path.join(directory, file)),
  );
  const values = valuesFile
    ? ((parse(fs.readFileSync(path.join(directory, valuesFile), "utf8")) ?? {}) as Record<string, unknown>)
    : {};
  const templates = listFiles(path.join(directory, "templates"))
    .filter((file) => /\.(ya?ml|tpl|txt)$/.test(file))
    .map((file) => ({
      file: `templates/${file}`,
      text: fs.readFileSync(path.join(directory, "templates", file), "utf8"),
    }));

  const unpacked = new Map<string, LoadedChart>();
  const chartsDirectory = path.join(directory, "charts");
  if (fs.existsSync(chartsDirectory)) {
    for (const entry of fs
      .readdirSync(chartsDirectory, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      let subchartDirectory: string | undefined;
      if (entry.isDirectory() && fs.existsSync(path.join(chartsDirectory, entry.name, "Chart.yaml"))) {
        subchartDirectory = path.join(chartsDirectory, entry.name);
      } else if (entry.isFile() && /\.tgz$/.test(entry.name)) {
        const into = fs.mkdtempSync(path.join(scratch, "subchart-"));
        const untar = spawnSync("tar", ["-xzf", path.join(chartsDirectory, entry.name), "-C", into]);
        if (untar.status !== 0)
          throw new VendorError(`vendor: cannot unpack ${path.join(chartsDirectory, entry.name)}`);
        const [top] = fs.readdirSync(into);
        subchartDirectory = path.join(into, top);
      }
      if (subchartDirectory) {
        const subchart = loadChart(subchartDirectory, scratch);
        unpacked.set(String(subchart.chartYaml.name), subchart);
      }
    }
  }
  const dependencies = (Array.isArray(chartYaml.dependencies) ? chartYaml.dependencies : []) as Record<
    string,
    unknown
  >[];
  const subcharts: LoadedChart["subcharts"] = dependencies.map((dependency) => ({
    dependency,
    chart: unpacked.get(String(dependency.name)),
    name: String(dependency.name),
  }));
  for (const [name, chart] of unpacked) {
    if (!dependencies.some((dependency) => dependency.name === name))
      subcharts.push({ dependency: undefined, chart, name });
  }
  return { chartYaml, valuesFile: valuesFile ?? "values.yaml", values, templates, subcharts };
}

function lookup(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((at, key) => (isMap(at) ? at[key] : undefined), values);
}

interface Collected {
  hooks: Hook[];
  webhooks: Webhook[];
  services: { template: string; name: string | null }[];
  references: Set<string>;
  subcharts: Subchart[];
}

/** Values with subchart defaults nested; collects documents and references with template paths from the top chart. */
function walkChart(
  chart: LoadedChart,
  prefix: string,
  keyPrefix: string,
  collected: Collected,
  parentValues: unknown,
  subchartGuards: readonly string[] = [],
): unknown {
  let values: unknown = coalesce(chart.values, parentValues);
  for (const subchart of chart.subcharts) {
    const key = String(subchart.dependency?.alias ?? subchart.name);
    if (subchart.chart) {
      const condition =
        typeof subchart.dependency?.condition === "string" ? subchart.dependency.condition : undefined;
      const nested = walkChart(
        subchart.chart,
        `${prefix}charts/${subchart.name}/`,
        `${keyPrefix}${key}.`,
        collected,
        isMap(values) ? values[key] : undefined,
        [
          ...subchartGuards,
          ...(condition === undefined
            ? []
            : [
                `if ${condition
                  .split(",")
                  .map((one) => `.Values.${keyPrefix}${one.trim()}`)
                  .join(" ")}`,
              ]),
        ],
      );
      values = { ...(values as Record<string, unknown>), [key]: nested };
    }
  }
  for (const subchart of chart.subcharts) {
    const key = String(subchart.dependency?.alias ?? subchart.name);
    const condition =
      typeof subchart.dependency?.condition === "string" ? subchart.dependency.condition : null;
    const conditionValue = condition
      ?.split(",")
      .map((one) => lookup(values, one.trim()))
      .find((one) => typeof one === "boolean");
    collected.subcharts.push({
      key: `${keyPrefix}${key}`,
      name: subchart.name,
      version:
        subchart.dependency?.version !== undefined
          ? String(subchart.dependency.version)
          : subchart.chart
            ? String(subchart.chart.chartYaml.version)
            : null,
      condition,
      enabledByDefault: conditionValue ?? true,
      unpacked: subchart.chart !== undefined,
    });
  }
  for (const { file, text } of chart.templates) {
    const template = `${prefix}${file}`;
    for (const reference of valuesReferences(text)) {
      collected.references.add(reference.split(".")[0] === "global" ? reference : `${keyPrefix}${reference}`);
    }
    if (template.split("/").includes("crds")) continue;
    const guardsOf = documentGuards(text);
    templateDocuments(text).forEach((document, index) => {
      const lines = keyLines(document);
      const kind = valueAt(lines, "kind");
      if (kind === undefined || kind === "CustomResourceDefinition") return;
      const name = valueAt(lines, "metadata", "name") ?? null;
      const guards = [
        ...subchartGuards,
        ...(guardsOf[index] ?? []).map((guard) => prefixValues(guard, keyPrefix)),
      ];
      const hook = valueAt(lines, "metadata", "annotations", "helm.sh/hook");
      if (hook !== undefined) {
        const weight = valueAt(lines, "metadata", "annotations", "helm.sh/hook-weight");
        collected.hooks.push({
          template,
          kind,
          name,
          events: list(hook),
          weight: weight === undefined ? null : unquote(weight),
          deletePolicy: list(valueAt(lines, "metadata", "annotations", "helm.sh/hook-delete-policy")),
          annotationsFrom: null,
          guards,
        });
      } else {
        // Annotations a template copies from values (`{{- with .Values.x.jobAnnotations }}`): a hook when
        // the values there carry `helm.sh/hook`. The first such key of the document's own metadata wins.
        const declared = valuesReferences(document)
          .filter((reference) => reference.split(".")[0] !== "global")
          .map((reference) => ({ reference, annotations: lookup(values, reference) }))
          .find(
            ({ reference, annotations }) =>
              isMap(annotations) && "helm.sh/hook" in annotations && metadataReads(document, reference),
          );
        if (declared && isMap(declared.annotations)) {
          const annotations = declared.annotations;
          const text = (key: string) =>
            annotations[key] === undefined ? undefined : String(annotations[key]);
          collected.hooks.push({
            template,
            kind,
            name,
            events: list(text("helm.sh/hook")),
            weight: text("helm.sh/hook-weight") ?? null,
            deletePolicy: list(text("helm.sh/hook-delete-policy")),
            annotationsFrom: `${keyPrefix}${declared.reference}`,
            guards,
          });
        }
      }
      if (kind === "ValidatingWebhookConfiguration" || kind === "MutatingWebhookConfiguration") {
        const webhooks: Webhook["webhooks"] = [];
        for (const line of lines) {
          if (line.path[0] !== "webhooks" || line.path[1] !== "[]") continue;
          if (line.itemStart && line.path.length === 3) webhooks.push({ name: null, service: null });
          const current = webhooks[webhooks.length - 1];
          if (!current) continue;
          const rest = line.path.slice(2).join(".");
          if (rest === "name") current.name = line.value;
          if (rest === "clientConfig.service.name" || rest === "clientConfig.service.namespace") {
            current.service ??= { name: null, namespace: null };
            current.service[rest.endsWith(".name") ? "name" : "namespace"] = line.value;
          }
        }
        collected.webhooks.push({ template, kind, name, webhooks, guards });
      }
      if (kind === "Service") collected.services.push({ template, name });
    });
  }
  return values;
}

/**
 * Whether the document's top-level `metadata:` block reads `.Values.<reference>` (so annotations from
 * there are the object's own, not its pod template's).
 */
function metadataReads(document: string, reference: string): boolean {
  const lines = document.split("\n");
  const start = lines.findIndex((line) => /^metadata:/.test(line));
  if (start < 0) return false;
  const end = lines.findIndex((line, index) => index > start && /^[A-Za-z]/.test(line));
  const block = lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
  return valuesReferences(block).includes(reference);
}

/** SOURCE.txt as `key: value` lines (indented lines continue the previous value; others become `note`). */
export function parseSourceText(text: string): Record<string, string> {
  const source: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^([A-Za-z][\w ]*):\s*(.*)$/.exec(line);
    if (match && !/^\s/.test(line)) {
      last = match[1];
      source[last] = match[2].trim();
    } else if (/^\s/.test(line) && last !== undefined) {
      source[last] = `${source[last]} ${line.trim()}`.trim();
    } else {
      last = undefined;
      source.note = source.note ? `${source.note} ${line.trim()}` : line.trim();
    }
  }
  return source;
}

const placeholderVersions = new Set(["0.0.0", "v0.0.0", "latest", "v0.0.0-latest"]);

/** The facts of the chart unpacked in `directory`, released as `entry` (name, version, repository). */
export function chartFacts(
  directory: string,
  entry: { name: string; version: string; repository: string; pinned: boolean },
  source?: Record<string, string>,
): ChartFacts {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-chart-"));
  try {
    const chart = loadChart(directory, scratch);
    const collected: Collected = {
      hooks: [],
      webhooks: [],
      services: [],
      references: new Set(),
      subcharts: [],
    };
    const values = walkChart(chart, "", "", collected, undefined);
    const declaredVersion = String(chart.chartYaml.version);
    const declaredAppVersion =
      chart.chartYaml.appVersion === undefined ? null : String(chart.chartYaml.appVersion);
    const sourceForm = declaredVersion !== entry.version;
    if (sourceForm && !placeholderVersions.has(declaredVersion)) {
      throw new VendorError(
        `vendor: ${directory}/Chart.yaml says version ${declaredVersion}, expected ${entry.version}`,
      );
    }
    const appVersion =
      sourceForm && declaredAppVersion !== null && placeholderVersions.has(declaredAppVersion)
        ? entry.version
        : declaredAppVersion;
    return {
      chart: {
        name: String(chart.chartYaml.name),
        version: entry.version,
        appVersion,
        repository: entry.repository,
        pinned: entry.pinned,
      },
      ...(sourceForm ? { sourceForm: { version: declaredVersion, appVersion: declaredAppVersion } } : {}),
      source:
        source ??
        (fs.existsSync(path.join(directory, "SOURCE.txt"))
          ? parseSourceText(fs.readFileSync(path.join(directory, "SOURCE.txt"), "utf8"))
          : { repository: entry.repository, chart: entry.name, version: entry.version }),
      valuesFile: chart.valuesFile,
      subcharts: collected.subcharts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      hooks: collected.hooks,
      webhooks: collected.webhooks,
      services: collected.services,
      valuesReferences: [...collected.references].sort(),
      values: sortKeys(values),
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Facts as JSON: one key per line at the top, one record per line in the lists, the values indented
 * (so that a refresh diffs line by line).
 * Deterministic, so a refresh with nothing upstream changed leaves vendor/ unchanged.
 */
export function chartFactsJson(facts: ChartFacts): string {
  const entries = Object.entries(facts).map(([key, value]) => {
    const text = Array.isArray(value)
      ? value.length === 0
        ? "[]"
        : `[\n${value.map((item) => `    ${JSON.stringify(item)}`).join(",\n")}\n  ]`
      : key === "values"
        ? JSON.stringify(value, null, 2).replace(/\n/g, "\n  ")
        : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${entries.join(",\n")}\n}\n`;
}

// ---------------------------------------------------------------------------------------------
// Sources: a local folder, or upstream

export interface Source {
  /** The unpacked chart folder of a chart entry. */
  chart(entry: ChartEntry, version: string): string;
  chartSource(entry: ChartEntry, version: string): Record<string, string> | undefined;
  /** One file of a file entry: `name` is the upstream file name in a folder entry, "" for a single file. */
  file(entry: FileEntry, version: string, upstreamName: string, vendoredName: string): Buffer;
  extensionsText(entry: ExtensionsEntry, version: string): string;
}

export function localSource(from: string): Source {
  const mustExist = (file: string) => {
    if (!fs.existsSync(file)) throw new VendorError(`vendor: ${file} is missing from the --from folder`);
    return file;
  };
  return {
    chart: (entry, version) => mustExist(path.join(from, "charts", `${entry.name}-${version}`)),
    chartSource: () => undefined,
    file: (entry, version, _upstreamName, vendoredName) =>
      fs.readFileSync(mustExist(path.join(from, expandPath(entry.local, version) + vendoredName))),
    extensionsText: (entry, version) =>
      fs.readFileSync(mustExist(path.join(from, expandPath(entry.local, version))), "utf8"),
  };
}

function fetchText(url: string): string {
  // Synchronous on purpose (the refresh is a script): curl is everywhere helm is.
  const result = spawnSync(
    "curl",
    ["--silent", "--show-error", "--fail", "--location", "--max-time", "60", url],
    {
      encoding: "buffer",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (result.error)
    throw new VendorError(
      "vendor: curl is not installed — the refresh from upstream needs curl, helm and network",
    );
  if (result.status !== 0) {
    throw new VendorError(
      `vendor: cannot fetch ${url}: ${result.stderr.toString().trim() || `curl exit ${result.status}`}`,
    );
  }
  return result.stdout.toString("utf8");
}

export function upstreamSource(scratch: string, chartEntries: readonly ChartEntry[]): Source {
  const helm = spawnSync("helm", ["version", "--short"], { encoding: "utf8" });
  if (helm.error || helm.status !== 0) {
    throw new VendorError(
      "vendor: helm is not installed — the refresh from upstream runs helm pull and needs network; or run npm run vendor -- --from <dir>",
    );
  }
  const probe = spawnSync("curl", [
    "--silent",
    "--head",
    "--max-time",
    "15",
    "https://raw.githubusercontent.com/",
  ]);
  if (probe.error || probe.status !== 0) {
    throw new VendorError(
      "vendor: cannot reach raw.githubusercontent.com — the refresh from upstream needs network; or run npm run vendor -- --from <dir>",
    );
  }
  const pulled = new Map<string, string>();
  const pull = (entry: ChartEntry, version: string): string => {
    const key = `${entry.name}-${version}`;
    const known = pulled.get(key);
    if (known) return known;
    const into = path.join(scratch, "charts", key);
    fs.mkdirSync(into, { recursive: true });
    const oci = entry.repository.startsWith("oci://");
    const args = oci
      ? ["pull", `${entry.repository}/${entry.name}`, "--version", version, "--untar", "--untardir", into]
      : ["pull", entry.name, "--repo", entry.repository, "--version", version, "--untar", "--untardir", into];
    const result = spawnSync("helm", args, { encoding: "utf8" });
    if (result.status !== 0) throw new VendorError(`vendor: helm ${args.join(" ")}: ${result.stderr.trim()}`);
    const directory = path.join(into, entry.name);
    pulled.set(key, directory);
    return directory;
  };
  const chartByKey = (key: string) => {
    const entry = chartEntries.find((chart) => chart.key === key);
    if (!entry) throw new VendorError(`vendor: sources.json names chart ${key}, which has no chart entry`);
    return entry;
  };
  return {
    chart: pull,
    chartSource: (entry, version) => ({
      repository: entry.repository,
      chart: entry.name,
      version,
      obtained: "helm pull",
    }),
    file: (entry, version, upstreamName) => {
      const upstream = entry.upstream;
      if ("chart" in upstream) {
        const chart = chartByKey(upstream.chart);
        const directory = pull(chart, resolvedChartVersions.get(chart.key) ?? version);
        const text = fs.readFileSync(path.join(directory, upstream.path + upstreamName), "utf8");
        return Buffer.from(upstream.transform === "strip-template-lines" ? stripTemplateLines(text) : text);
      }
      const ref = expandPath(upstream.ref, version);
      return Buffer.from(
        fetchText(
          `https://raw.githubusercontent.com/${upstream.repo}/${ref}/${expandPath(upstream.path, version)}${upstreamName}`,
        ),
      );
    },
    extensionsText: (entry, version) => {
      const { repo, ref, path: file } = entry.upstream;
      return extensionsTextFromReadme(
        fetchText(`https://raw.githubusercontent.com/${repo}/${expandPath(ref, version)}/${file}`),
        version,
      );
    },
  };
}

/** argo-helm keeps its CRDs as templates: dropping the lines that are only Go template actions leaves the CRD as installed by default. */
export function stripTemplateLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\s*\{\{.*\}\}\s*$/.test(line))
    .join("\n");
}

const resolvedChartVersions = new Map<string, string>();

// ---------------------------------------------------------------------------------------------
// The refresh

/** Folders and files of vendor/ the refresh owns and rebuilds whole (README.md and sources.json are hand-kept). */
export const generatedPaths = ["schemas", "charts", "talos"];

export function refresh(source: Source, out: string, manifest: Manifest, pinValues: Pins): string[] {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-stage-"));
  const written: string[] = [];
  const write = (relative: string, content: string | Buffer) => {
    const file = path.join(stage, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    written.push(relative);
  };
  try {
    const context: Context = { pins: pinValues, appVersions: new Map() };
    const chartDirectories = new Map<string, string>();
    for (const entry of manifest.charts) {
      const version = resolveVersion(entry.version, context);
      resolvedChartVersions.set(entry.key, version);
      const directory = source.chart(entry, version);
      chartDirectories.set(entry.key, directory);
      const facts = chartFacts(
        directory,
        { name: entry.name, version, repository: entry.repository, pinned: isPinned(entry.version) },
        source.chartSource(entry, version),
      );
      if (facts.chart.appVersion !== null) context.appVersions.set(entry.key, facts.chart.appVersion);
      write(`charts/${entry.name}-${version}.json`, chartFactsJson(facts));
    }
    for (const entry of manifest.files) {
      const version = resolveVersion(entry.version, context);
      if (entry.mustMatch) {
        const directory = chartDirectories.get(entry.mustMatch.chart);
        const text = directory ? fs.readFileSync(path.join(directory, entry.mustMatch.file), "utf8") : "";
        const bundled = new RegExp(entry.mustMatch.pattern).exec(text)?.[1];
        if (bundled !== version) {
          throw new VendorError(
            `vendor: ${entry.dest} is pinned to ${version} in sources.json, but chart ${entry.mustMatch.chart} ships ${bundled ?? "no version"} — update sources.json`,
          );
        }
      }
      for (const [vendoredName, upstreamName] of fileNames(entry)) {
        write(
          expandPath(entry.dest, version) + vendoredName,
          source.file(entry, version, upstreamName, vendoredName),
        );
      }
    }
    if (manifest.extensions) {
      const version = resolveVersion(manifest.extensions.version, context);
      write(
        manifest.extensions.dest,
        extensionsJson(extensionsFromText(source.extensionsText(manifest.extensions, version), version)),
      );
    }
    fs.mkdirSync(out, { recursive: true });
    for (const generated of generatedPaths) {
      fs.rmSync(path.join(out, generated), { recursive: true, force: true });
      if (fs.existsSync(path.join(stage, generated)))
        fs.cpSync(path.join(stage, generated), path.join(out, generated), { recursive: true });
    }
    return written.sort();
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The check: vendor/ holds what pins.ts pins

function versionPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, (character) =>
    character === "{" || character === "}" ? character : `\\${character}`,
  );
  return new RegExp(
    `^${escaped.replace(/\\?\{version\\?\}/g, "([^/]+)").replace(/\\?\{minor\\?\}/g, "[^/]+")}`,
  );
}

function vendoredVersions(vendor: string, template: string): string[] {
  const pattern = versionPattern(template.replace(/\/$/, ""));
  const top = template.split("/")[0];
  const candidates = [
    ...listFiles(path.join(vendor, top), top),
    ...listDirectories(path.join(vendor, top), top),
  ];
  return [
    ...new Set(
      candidates
        .map((file) => pattern.exec(file)?.[1])
        .filter((version): version is string => version !== undefined),
    ),
  ];
}

function listDirectories(directory: string, under: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [
      `${under}/${entry.name}`,
      ...listDirectories(path.join(directory, entry.name), `${under}/${entry.name}`),
    ]);
}

/** One line per way vendor/ differs from the versions pins.ts (or sources.json) names; empty when in step. */
export function checkVendor(vendor: string, manifest: Manifest, pinValues: Pins): string[] {
  const problems: string[] = [];
  const context: Context = { pins: pinValues, appVersions: new Map() };
  const pinnedBy = (expression: string) =>
    isPinned(expression) ? "pins.ts pins" : "vendor/sources.json names";
  const expect = (what: string, template: string, version: string, expression: string, exists: boolean) => {
    if (exists) return;
    const held = vendoredVersions(vendor, template).filter((other) => other !== version);
    problems.push(
      held.length > 0
        ? `vendor/ holds ${what} for version ${held.join(", ")} but ${pinnedBy(expression)} ${version} — run npm run vendor`
        : `vendor/ has no ${what} for version ${version}, which ${pinnedBy(expression)} — run npm run vendor`,
    );
  };
  for (const entry of manifest.charts) {
    const version = resolveVersion(entry.version, context);
    const template = `charts/${entry.name}-{version}.json`;
    const file = path.join(vendor, expandPath(template, version));
    expect(`the facts of chart ${entry.name}`, template, version, entry.version, fs.existsSync(file));
    if (fs.existsSync(file)) {
      const facts = JSON.parse(fs.readFileSync(file, "utf8")) as ChartFacts;
      if (facts.chart.appVersion !== null) context.appVersions.set(entry.key, facts.chart.appVersion);
    }
  }
  for (const entry of manifest.files) {
    let version: string;
    try {
      version = resolveVersion(entry.version, context);
    } catch {
      continue; // the chart it depends on is missing, reported above
    }
    const missing = fileNames(entry).filter(
      ([name]) => !fs.existsSync(path.join(vendor, expandPath(entry.dest, version) + name)),
    );
    expect(
      entry.dest.replace(/\{version\}/g, "<version>"),
      entry.dest,
      version,
      entry.version,
      missing.length === 0,
    );
  }
  if (manifest.extensions) {
    const version = resolveVersion(manifest.extensions.version, context);
    const file = path.join(vendor, manifest.extensions.dest);
    const held = fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, "utf8")) as ExtensionList).talosVersion
      : undefined;
    if (held !== version) {
      problems.push(
        held === undefined
          ? `vendor/ has no ${manifest.extensions.dest} — run npm run vendor`
          : `vendor/ holds ${manifest.extensions.dest} for version ${held} but ${pinnedBy(manifest.extensions.version)} ${version} — run npm run vendor`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

function main(argv: string[]): number {
  const options: { from?: string; out: string; check: boolean } = { out: vendorDirectory, check: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === "--from" || argument === "--out") {
      const value = argv[++i];
      if (value === undefined) throw new VendorError(`vendor: ${argument} needs a folder`);
      options[argument === "--from" ? "from" : "out"] = path.resolve(value);
    } else if (argument === "--check") {
      options.check = true;
    } else {
      throw new VendorError(`vendor: unknown option ${argument} (use --from <dir>, --out <dir>, --check)`);
    }
  }
  const manifest = readManifest();
  if (options.check) {
    const problems = checkVendor(options.out, manifest, pins);
    for (const problem of problems) console.error(problem);
    if (problems.length === 0) console.log("vendor: vendor/ matches pins.ts");
    return problems.length === 0 ? 0 : 1;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-upstream-"));
  try {
    const source = options.from ? localSource(options.from) : upstreamSource(scratch, manifest.charts);
    const written = refresh(source, options.out, manifest, pins);
    console.log(
      `vendor: wrote ${written.length} files into ${path.relative(process.cwd(), options.out) || "."}`,
    );
    return 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof VendorError ? error.message : `vendor: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
