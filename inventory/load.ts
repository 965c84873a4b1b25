import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { crossFieldProblems } from "./checks";
import { InventoryError, type KeyPath, type Problem } from "./problems";
import { clusterSchema, type ClusterInventory } from "./schema";
import { schemaProblems } from "./schema-problems";
import { inventoryKey, secretSettings, setSecretCommand } from "./secrets";

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
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new InventoryError(displayName, [{ path: [], message: `cannot be read: ${reason}` }]);
  }
  return parseInventoryText(text, displayName);
}

export function parseInventoryText(text: string, file: string): ClusterInventory {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new InventoryError(
      file,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        // The parser's message ends with " at line L, column C:" and a code frame; keep the reason.
        const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+:$/, "");
        const where = position ? `line ${position.line}, column ${position.col}: ` : "";
        return { path: [], message: `${where}${reason} — the file must be valid YAML` };
      }),
    );
  }
  const content: unknown = document.toJS();
  if (content === null || typeof content !== "object" || Array.isArray(content)) {
    throw new InventoryError(file, [
      {
        path: [],
        message:
          "is not a mapping — expected a cluster inventory, or a Pulumi stack file with a config section",
      },
    ]);
  }
  if ("config" in content) return parseStackConfig(content.config, file);
  return parseInventory(content, file);
}

/** The `config` section of a stack file: the inventory, and secrets that must be encrypted. */
function parseStackConfig(config: unknown, file: string): ClusterInventory {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InventoryError(file, [
      { path: ["config"], message: "must be a mapping of config keys to values" },
    ]);
  }
  const stack = stackNameOf(file);
  const secretKeys = new Map<string, (typeof secretSettings)[keyof typeof secretSettings]>(
    Object.values(secretSettings).map((setting) => [setting.key, setting]),
  );
  const allowedKeys = [inventoryKey, ...secretKeys.keys()];
  const problems: Problem[] = [];

  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith("homelab:")) continue; // other namespaces belong to providers
    const setting = secretKeys.get(key);
    if (setting !== undefined && !isEncrypted(value)) {
      problems.push({
        path: ["config", key],
        message: `holds a plain value — a secret must be stored encrypted: remove it and run \`${setSecretCommand(setting, stack)}\``,
      });
    } else if (setting === undefined && key !== inventoryKey) {
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
  if (inventory === undefined || problems.length > 0) throw new InventoryError(file, problems);
  return inventory;
}

function isEncrypted(value: unknown): boolean {
  return value !== null && typeof value === "object" && "secure" in value;
}
