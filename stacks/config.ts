import * as pulumi from "@pulumi/pulumi";
import {
  formatProblem,
  InventoryError,
  inventoryKey,
  parseInventory,
  secretSettings,
  setSecretCommand,
  type ClusterInventory,
  type SecretSetting,
} from "../inventory";

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
