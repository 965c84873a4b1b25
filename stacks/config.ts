import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
  formatProblem,
  InventoryError,
  inventoryKey,
  parseInventory,
  plainSecretProblems,
  secretSettings,
  setSecretCommand,
  type ClusterInventory,
  type SecretSetting,
} from "../inventory";

/**
 * Stops on a secret setting written in plain text into the stack file, as `render` does. Pulumi's config
 * API hands the program such a value like an encrypted one (and `getSecret` marks it secret anyway), so
 * the program reads the stack file it runs beside; a missing or unreadable file is left to Pulumi.
 * Config from elsewhere (`--config-file`, Pulumi ESC) is not read here.
 */
export function refusePlainSecrets(): void {
  let config: unknown;
  try {
    config = (parse(readFileSync(path.join(process.cwd(), stackFile()), "utf8")) as { config?: unknown })
      ?.config;
  } catch {
    return;
  }
  if (config === null || typeof config !== "object") return;
  const problems = plainSecretProblems(config, pulumi.getStack());
  if (problems.length > 0) {
    throw new pulumi.RunError(problems.map((problem) => formatProblem(stackFile(), problem)).join("\n"));
  }
}

/** How messages name the stack's file, as `render` names it. */
export function stackFile(): string {
  return `Pulumi.${pulumi.getStack()}.yaml`;
}

/**
 * The inventory under `homelab:cluster`, checked by the same parser and with the same messages as
 * `render`. A mistake stops the program with those lines and no stack trace.
 */
export function loadStackInventory(): ClusterInventory {
  const config = new pulumi.Config("homelab");
  const value = config.getObject<unknown>(inventoryKey.slice("homelab:".length));
  if (value === undefined) {
    throw new pulumi.RunError(
      formatProblem(stackFile(), {
        path: ["config", inventoryKey],
        message: "is required — the cluster inventory",
      }),
    );
  }
  try {
    return parseInventory(value, stackFile(), ["config", inventoryKey]);
  } catch (error) {
    if (error instanceof InventoryError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/** The inventory as the stack file writes it, before defaults: what it states itself. */
function writtenInventory(): {
  network?: { cni?: unknown };
  talosVersion?: unknown;
  kubernetesVersion?: unknown;
} {
  return new pulumi.Config("homelab").getObject(inventoryKey.slice("homelab:".length)) ?? {};
}

/** Whether the stack file's inventory names `network.cni` itself, rather than leaving it to the default. */
export function explicitCni(): boolean {
  return writtenInventory().network?.cni !== undefined;
}

/** Whether the stack file's inventory names both `talosVersion` and `kubernetesVersion` itself. */
export function explicitVersions(): boolean {
  const written = writtenInventory();
  return written.talosVersion !== undefined && written.kubernetesVersion !== undefined;
}

/** A secret setting, or a stop that names the command which sets it. */
export function requireSecretSetting(setting: SecretSetting): pulumi.Output<string> {
  const value = new pulumi.Config("homelab").getSecret(setting.key.slice("homelab:".length));
  if (value === undefined) {
    throw new pulumi.RunError(
      formatProblem(stackFile(), {
        path: ["config", setting.key],
        message: `is required — run \`${setSecretCommand(setting, pulumi.getStack())}\` and paste the ${setting.purpose}`,
      }),
    );
  }
  return value;
}

export { secretSettings };
