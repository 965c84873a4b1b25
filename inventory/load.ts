import { readFileSync } from "node:fs";
import { CORE_SCHEMA, load } from "js-yaml";
import * as path from "node:path";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type ErrorCode,
  type Scalar,
  type YAMLError,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { crossFieldProblems } from "./checks";
import { describeValue } from "./formats";
import { InventoryError, type KeyPath, type Problem } from "./problems";
import { clusterSchema, type ClusterInventory } from "./schema";
import { schemaProblems } from "./schema-problems";
import {
  inventoryKey,
  proxmoxApiTokenPrefix,
  proxmoxApiTokenSetting,
  proxmoxTokenHost,
  secretSettings,
  setSecretCommand,
  type SecretSetting,
} from "./secrets";

/**
 * Checks a cluster inventory value: first its shape, then, once the shape is right, every
 * cross-field rule. Throws an InventoryError naming `file` and each key path.
 *
 * @param at where the value sits in its file: `[]` in a plain inventory file, or
 *   `["config", "homelab:cluster"]` in a Pulumi stack file.
 */
export function parseInventory(value: unknown, file: string, at: KeyPath = []): ClusterInventory {
  const parsed = clusterSchema.safeParse(value, { reportInput: true });
  const problems: Problem[] = parsed.success ? crossFieldProblems(parsed.data) : schemaProblems(parsed.error);
  if (problems.length > 0) {
    throw new InventoryError(
      file,
      problems.map((problem) => ({ ...problem, path: [...at, ...problem.path] })),
    );
  }
  return parsed.data as ClusterInventory;
}

/** The stack a `Pulumi.<stack>.yaml` file belongs to, or undefined for any other file name. */
export function stackNameOf(file: string): string | undefined {
  return /^Pulumi\.([^.]+)\.ya?ml$/.exec(path.basename(file))?.[1];
}

/**
 * Reads an inventory from a Pulumi stack file (under `config["homelab:cluster"]`) or from a plain
 * inventory file (the cluster object at the top level). `displayName` is how messages name the file.
 */
export function loadInventoryFile(file: string, displayName: string = file): ClusterInventory {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder — name a YAML file"
          : String((error as Error).message);
    throw new InventoryError(displayName, [{ path: [], message: `cannot be read: ${reason}` }]);
  }
  return parseInventoryText(decodeUtf8(bytes, displayName), displayName);
}

/** The file's text, or an InventoryError at the first byte that is not UTF-8. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // The longest prefix that decodes (a cut-off character at its end is allowed) ends at the bad byte.
    let good = 0;
    let bad = bytes.length;
    while (bad - good > 1) {
      const middle = Math.floor((good + bad) / 2);
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
        good = middle;
      } catch {
        bad = middle;
      }
    }
    // A cut-off sequence at the end of that prefix starts at the byte to blame.
    let valid = good;
    const whole = new TextDecoder("utf-8", { fatal: true });
    for (; valid > 0 && valid > good - 4; valid -= 1) {
      try {
        whole.decode(bytes.subarray(0, valid));
        break;
      } catch {
        // keep backing up
      }
    }
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, valid));
    const offset = before.length;
    const byte = bytes[Math.min(valid, bytes.length - 1)].toString(16).toUpperCase().padStart(2, "0");
    throw new InventoryError(file, [
      {
        path: [],
        message: `${where(before, offset)}is not UTF-8 text (byte 0x${byte}) — an inventory is a YAML text file saved as UTF-8; is this the right file?`,
      },
    ]);
  }
}

/** How deep flow collections (`[` `{`) may nest: real inventories stay below ten. */
const maxFlowDepth = 64;
/** How far a line may be indented plus nested (`- - a:`): real inventories stay below thirty. */
const maxLineDepth = 200;
/** How many values aliases (`*name`) may stand for in all, so that an alias bomb cannot expand. */
export const maxAliasExpansion = 10_000;

/** `line L, column C: ` of a character offset in `text`. */
function where(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (
    let index = text.indexOf("\n");
    index !== -1 && index < offset;
    index = text.indexOf("\n", index + 1)
  ) {
    line += 1;
    lineStart = index + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}: `;
}

const yamlProblem = (text: string, offset: number, message: string): Problem => ({
  path: [],
  message: `${where(text, offset)}${message}`,
});

/** Characters YAML forbids and that never belong in an inventory: control characters, a BOM, lone surrogates. */
const NOT_TEXT = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/u;

function characterProblems(text: string): Problem[] {
  if (text.startsWith("\uFEFF")) {
    return [
      yamlProblem(text, 0, "starts with a byte-order mark (U+FEFF) — save the file as UTF-8 without a BOM"),
    ];
  }
  const match = NOT_TEXT.exec(text);
  if (match === null) return [];
  const codePoint = match[0].codePointAt(0) ?? 0;
  const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  const what =
    codePoint === 0
      ? "a NUL byte (U+0000)"
      : codePoint === 0xfeff
        ? "a byte-order mark (U+FEFF)"
        : codePoint >= 0xd800 && codePoint <= 0xdfff
          ? `a lone surrogate (${name})`
          : `the control character ${name}`;
  return [
    yamlProblem(
      text,
      match.index,
      `contains ${what} — an inventory is text: printable characters, tabs and line breaks only; is this the right file?`,
    ),
  ];
}

/**
 * The lexer does not recurse, the parser does: refuse `[[[[…`, or lines indented or nested hundreds
 * of levels deep, before they overflow its stack.
 */
function nestingProblems(text: string): Problem[] {
  let flowDepth = 0;
  let lineDepth = 0;
  let offset = 0;
  let atLineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") flowDepth += 1;
    else if (token === "]" || token === "}") flowDepth = Math.max(0, flowDepth - 1);
    if (token === "\n" || token === "\r\n") {
      lineDepth = 0;
      atLineStart = true;
    } else if (atLineStart && /^ +$/.test(token)) {
      lineDepth += token.length;
    } else if (token === "-" || token === "?" || token === ":") {
      lineDepth += 1;
    }
    if (token !== "\n" && token !== "\r\n" && token !== "\x02" && token !== "\x1f") atLineStart = false;
    if (flowDepth > maxFlowDepth || lineDepth > maxLineDepth) {
      return [
        yamlProblem(
          text,
          offset,
          flowDepth > maxFlowDepth
            ? `brackets nest more than ${maxFlowDepth} deep — an inventory needs a few levels; is this the right file?`
            : `nests or indents more than ${maxLineDepth} levels deep — an inventory needs a few levels; is this the right file?`,
        ),
      ];
    }
    // The lexer's control tokens stand for no source text.
    if (token !== "\x02" && token !== "\x18" && token !== "\x1f") offset += token.length;
  }
  return [];
}

const yamlReasons: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS:
    'a second YAML document starts here — an inventory file holds exactly one: remove the "---" and what follows, or move it into a file of its own',
  TAB_AS_INDENT: "a tab indents this line — YAML indents with spaces only",
  RESOURCE_EXHAUSTION:
    "nests too deeply to be read — an inventory needs a few levels; is this the right file?",
  BAD_ALIAS:
    "an alias (*name) names no anchor (&name) before it — define the anchor first, or write the value out",
};

function parserProblem(text: string, error: YAMLError, keys: ReadonlyMap<number, string>): Problem {
  const offset = error.pos[0];
  if (error.code === "DUPLICATE_KEY") {
    const key = keys.get(offset);
    return yamlProblem(
      text,
      offset,
      `${key === undefined ? "a key" : `key ${JSON.stringify(key)}`} appears twice in the same mapping — each key may appear once: remove or merge one`,
    );
  }
  if (error.code === "TAG_RESOLVE_FAILED") {
    return yamlProblem(
      text,
      offset,
      `${error.message.split(" at line")[0].replace(/^Unresolved tag/, "unknown tag")} — remove it: an inventory uses plain YAML values`,
    );
  }
  const known = yamlReasons[error.code];
  // The parser's message ends with " at line L, column C:" and a code frame; keep the reason.
  const reason =
    known ??
    `${error.message.split("\n")[0].replace(/ at line \d+, column \d+:$/, "")} — the file must be valid YAML`;
  return yamlProblem(text, offset, reason);
}

/** Each mapping key's text by its offset, to name the key a DUPLICATE_KEY error points at. */
function keysByOffset(document: Document.Parsed): Map<number, string> {
  const keys = new Map<number, string>();
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range) keys.set(pair.key.range[0], String(pair.key.value));
    },
  });
  return keys;
}

type YamlNode = Scalar | YAMLMap | YAMLSeq | Alias;

function childrenOf(node: unknown): YamlNode[] {
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value] as YamlNode[]);
  if (isSeq(node)) return node.items as YamlNode[];
  return [];
}

/**
 * Aliases that name no anchor, that sit inside the node they name (an endless value), or that
 * together stand for more than `maxAliasExpansion` values (an alias bomb, "billion laughs").
 */
function aliasProblems(text: string, document: Document.Parsed): Problem[] {
  const root = document.contents;
  if (root === null) return [];
  // Alias.resolve searches the document: once per alias, or large files take quadratic time.
  const targets = new Map<Alias, unknown>();
  const resolve = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    if (!targets.has(node)) targets.set(node, node.resolve(document));
    return targets.get(node);
  };
  const expandedSize = new Map<unknown, number>();
  const sizeOf = (node: unknown): number => {
    // Children first, without recursion: deep documents must not overflow the stack.
    const stack: { node: unknown; entered: boolean }[] = [{ node, entered: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const target = resolve(top.node);
      if (expandedSize.has(target)) {
        stack.pop();
        continue;
      }
      const children = childrenOf(target).filter((child) => child !== null && child !== undefined);
      if (!top.entered) {
        top.entered = true;
        children.forEach((child) => stack.push({ node: child, entered: false }));
        continue;
      }
      stack.pop();
      const total = children.reduce((sum, child) => {
        return Math.min(Number.MAX_SAFE_INTEGER, sum + (expandedSize.get(resolve(child)) ?? 1));
      }, 1);
      expandedSize.set(target, total);
    }
    return expandedSize.get(resolve(node)) ?? 1;
  };

  // Walk the document as written (aliases not followed), keeping the path to each node.
  const problems: Problem[] = [];
  const onPath = new Set<unknown>();
  const stack: { node: unknown; leaving: boolean }[] = [{ node: root, leaving: false }];
  let expansion = 0;
  while (stack.length > 0) {
    const { node, leaving } = stack.pop()!;
    if (leaving) {
      onPath.delete(node);
      continue;
    }
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const target = resolve(node);
      if (target === undefined) {
        problems.push(
          yamlProblem(
            text,
            offset,
            `alias *${node.source} names no anchor &${node.source} before it — define the anchor first, or write the value out`,
          ),
        );
      } else if (onPath.has(target)) {
        problems.push(
          yamlProblem(
            text,
            offset,
            `alias *${node.source} sits inside the value it names, which would be endless — write the value out`,
          ),
        );
      }
      continue;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMap(pair.key) || isSeq(pair.key) || isAlias(pair.key)) {
          const offset = (pair.key as YamlNode).range?.[0] ?? 0;
          problems.push(
            yamlProblem(text, offset, "a key here is a list, a mapping or an alias — keys are plain names"),
          );
        }
      }
    }
    onPath.add(node);
    stack.push({ node, leaving: true });
    childrenOf(node)
      .filter((child) => child !== null && child !== undefined)
      .reverse()
      .forEach((child) => stack.push({ node: child, leaving: false }));
  }
  if (problems.length > 0) return problems;

  // Only now, without endless aliases, is every expanded size finite.
  const inOrder: Alias[] = [];
  visit(document, {
    Alias(_, alias) {
      inOrder.push(alias);
    },
  });
  for (const alias of inOrder) {
    expansion += sizeOf(alias);
    if (expansion > maxAliasExpansion) {
      return [
        yamlProblem(
          text,
          alias.range?.[0] ?? 0,
          `aliases stand for more than ${maxAliasExpansion} values by here (an alias bomb?) — use anchors and aliases sparingly, or write the values out`,
        ),
      ];
    }
  }
  return [];
}

function topLevelProblem(text: string, document: Document.Parsed, content: unknown): Problem | undefined {
  if (
    content !== null &&
    typeof content === "object" &&
    !Array.isArray(content) &&
    !ArrayBuffer.isView(content)
  )
    return undefined;
  const allowed =
    "expected a mapping: a cluster inventory (name, domain, network, nodes, …) or a Pulumi stack file with a config section";
  const offset = document.contents?.range?.[0] ?? 0;
  if (document.contents === null || content === null || content === undefined)
    return yamlProblem(text, offset, `holds no value — ${allowed}`);
  const what = Array.isArray(content) ? "a list" : describeValue(content);
  return yamlProblem(text, offset, `the top level is ${what} — ${allowed}`);
}

/** Reads the YAML of an inventory or stack file, or throws one InventoryError line per problem. */
export function parseInventoryText(text: string, file: string): ClusterInventory {
  const textProblems = characterProblems(text);
  if (textProblems.length > 0) throw new InventoryError(file, textProblems);
  const depthProblems = mayNestDeeply(text) ? nestingProblems(text) : [];
  if (depthProblems.length > 0) throw new InventoryError(file, depthProblems);

  const quick = quickLoad(text);
  if (quick !== undefined) {
    try {
      return parseContent(quick, file);
    } catch (error) {
      // The messages, and where they point, come from the careful path below.
      if (!(error instanceof InventoryError)) throw error;
    }
  }
  return parseCarefully(text, file);
}

/**
 * Whether brackets or indentation could nest deeper than the parsers' stacks allow; when not, the
 * lexer pass of `nestingProblems` is skipped. It errs on the side of yes: an empty `[]` or `{}`
 * adds one level at most, every other `[` or `{` is counted as if all were open at once, and a
 * line's depth counts its indentation and every "-", "?" or ":" followed by a space.
 */
function mayNestDeeply(text: string): boolean {
  const openers = text.replace(/\[\s*\]|\{\s*\}/g, "").match(/[[{]/g)?.length ?? 0;
  if (openers + 1 > maxFlowDepth) return true;
  return text.split("\n").some((line) => {
    const indent = line.length - line.trimStart().length;
    return indent > maxLineDepth || indent + (line.match(/[-?:](\s|$)/g)?.length ?? 0) > maxLineDepth;
  });
}

/**
 * The value of a plain file, read by js-yaml (about ten times faster than the careful path), or
 * undefined where the two readers could differ or the careful one must explain: anchors, aliases,
 * tags, binary integers, or anything js-yaml refuses (duplicate keys, several documents, …).
 */
function quickLoad(text: string): object | undefined {
  if (/[&*!]|\b0b[01]/.test(text)) return undefined;
  try {
    const value: unknown = load(text, { schema: CORE_SCHEMA });
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as object)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseContent(content: object, file: string): ClusterInventory {
  if ("config" in content) return parseStackConfig(content.config, file);
  return parseInventory(content, file);
}

/** The `yaml` library's document, for messages that point at a line and column. */
function parseCarefully(text: string, file: string): ClusterInventory {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  // One syntax error throws the parser off for the lines after it: the first is the one to fix.
  const syntaxErrors = document.errors.filter((error) => error.code !== "DUPLICATE_KEY");
  const parserErrors =
    syntaxErrors.length > 0 ? syntaxErrors.slice(0, 1) : [...document.errors, ...document.warnings];
  if (parserErrors.length > 0) {
    const keys = keysByOffset(document);
    throw new InventoryError(
      file,
      parserErrors.map((error) => parserProblem(text, error, keys)),
    );
  }
  const aliases = aliasProblems(text, document);
  if (aliases.length > 0) throw new InventoryError(file, aliases);

  let content: unknown;
  try {
    // Aliases are bounded above; the library's own count would refuse a hundred harmless ones.
    content = document.toJS({ maxAliasCount: -1 });
  } catch (error) {
    throw new InventoryError(file, [
      yamlProblem(
        text,
        0,
        `cannot be read as YAML: ${(error as Error).message} — the file must be valid YAML`,
      ),
    ]);
  }
  const topLevel = topLevelProblem(text, document, content);
  if (topLevel !== undefined) throw new InventoryError(file, [topLevel]);
  return parseContent(content as object, file);
}

/** The `config` section of a stack file: the inventory, and secrets that must be encrypted. */
function parseStackConfig(config: unknown, file: string): ClusterInventory {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InventoryError(file, [
      { path: ["config"], message: "must be a mapping of config keys to values" },
    ]);
  }
  const stack = stackNameOf(file);
  const secretKeys = new Map<string, SecretSetting>(
    Object.values(secretSettings).map((setting) => [setting.key, setting]),
  );
  const allowedKeys = [inventoryKey, ...secretKeys.keys(), `${proxmoxApiTokenPrefix}<host>`];
  const problems: Problem[] = [...plainSecretProblems(config, stack)];

  for (const key of Object.keys(config)) {
    if (!key.startsWith("homelab:")) continue; // other namespaces belong to providers
    if (!secretKeys.has(key) && key !== inventoryKey && proxmoxTokenHost(key) === undefined) {
      problems.push({
        path: ["config", key],
        message: `unknown setting — allowed: ${allowedKeys.join(", ")}`,
      });
    }
  }
  let inventory: ClusterInventory | undefined;
  if (!(inventoryKey in config)) {
    problems.push({ path: ["config", inventoryKey], message: "is required — the cluster inventory" });
  } else {
    try {
      inventory = parseInventory((config as Record<string, unknown>)[inventoryKey], file, [
        "config",
        inventoryKey,
      ]);
    } catch (error) {
      if (!(error instanceof InventoryError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (inventory !== undefined) problems.push(...strayProxmoxTokens(config, inventory, stack));
  if (inventory === undefined || problems.length > 0) throw new InventoryError(file, problems);
  return inventory;
}

/** API tokens for Proxmox hosts that `proxmox.hosts` does not list: a typo, or a host since removed. */
function strayProxmoxTokens(
  config: object,
  inventory: ClusterInventory,
  stack: string | undefined,
): Problem[] {
  const hosts = inventory.proxmox.hosts.map((host) => host.name);
  return Object.keys(config).flatMap((key) => {
    const host = proxmoxTokenHost(key);
    if (host === undefined || hosts.includes(host)) return [];
    return [
      {
        path: ["config", key],
        message: `is the API token of Proxmox host "${host}", which proxmox.hosts does not list (${hosts.length === 0 ? "it lists none" : `it lists ${hosts.join(", ")}`}) — name a listed host, or remove the setting with \`pulumi config rm ${key}${stack ? ` -s ${stack}` : ""}\``,
      },
    ];
  });
}

/**
 * The secret settings of a stack file's `config` section written in plain text, not encrypted by
 * `pulumi config set --secret`: for render, and for `pulumi up`, which reads the same file because
 * Pulumi's config API does not say how a value was stored.
 */
export function plainSecretProblems(config: object, stack: string | undefined): Problem[] {
  const proxmoxTokens = Object.keys(config).flatMap((key) => {
    const host = proxmoxTokenHost(key);
    return host === undefined ? [] : [proxmoxApiTokenSetting(host)];
  });
  return [...Object.values(secretSettings), ...proxmoxTokens].flatMap((setting) =>
    setting.key in config && !isEncrypted((config as Record<string, unknown>)[setting.key])
      ? [
          {
            path: ["config", setting.key],
            message: `holds a plain value — a secret must be stored encrypted: remove it and run \`${setSecretCommand(setting, stack)}\``,
          },
        ]
      : [],
  );
}

function isEncrypted(value: unknown): boolean {
  return value !== null && typeof value === "object" && "secure" in value;
}
