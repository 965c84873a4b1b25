import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { parse } from "yaml";
import { previousOutputs, type OtherStack } from "../support/previous-deployment";
import { deployedHubs } from "../support/run-program";
import { recordPulumi } from "../support/pulumi-harness";

const root = path.resolve(__dirname, "../..");
const prodInventory = (
  parse(readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> }
).config["homelab:cluster"] as Record<string, unknown>;

/** Runs the program with the given config (and the stack's last outputs) and returns what it threw. */
async function programError(
  config: Record<string, unknown>,
  secretKeys: string[],
  lastOutputs: Record<string, unknown> = {},
  otherStacks: Readonly<Record<string, OtherStack>> = deployedHubs(),
): Promise<unknown> {
  recordPulumi("homelab", "prod", previousOutputs(lastOutputs, "prod", otherStacks));
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        key,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
    ),
    secretKeys,
  );
  try {
    let program: (() => Promise<unknown>) | undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh program per stack needs require inside isolateModules
    jest.isolateModules(() => (program = require("../../stacks/index")));
    await program!();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("the program stops on a user's mistake with a message, not a stack trace", () => {
  it("names the command that sets a missing secret", async () => {
    const error = await programError(
      { "homelab:cluster": prodInventory, "homelab:cloudflareDnsToken": "fake" },
      ["homelab:cloudflareDnsToken"],
    );
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Pulumi\.prod\.yaml: config\.homelab:cloudflareApiToken: is required — run `pulumi config set --secret homelab:cloudflareApiToken -s prod`/,
    );
  });

  it("reports an invalid inventory with the same lines render prints", async () => {
    const broken = {
      ...prodInventory,
      network: { ...(prodInventory.network as object), vip: "10.20.30.11" },
    };
    const error = await programError({ "homelab:cluster": broken }, []);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      "Pulumi.prod.yaml: config.homelab:cluster.network.vip: 10.20.30.11 is the address of node ed-n1 — the VIP floats between control planes and needs an address no node has",
    );
  });

  it("refuses a secret written into the stack file in plain text, as render does", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "homelab-stack-"));
    const stackFile = readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8").replace(
      "config:\n",
      "config:\n  homelab:cloudflareApiToken: not-encrypted\n  homelab:cloudflareDnsToken:\n    secure: AAABAKqW\n",
    );
    writeFileSync(path.join(folder, "Pulumi.prod.yaml"), stackFile);
    const cwd = process.cwd();
    process.chdir(folder);
    try {
      const error = await programError(
        {
          "homelab:cluster": prodInventory,
          "homelab:cloudflareApiToken": "x",
          "homelab:cloudflareDnsToken": "y",
        },
        ["homelab:cloudflareApiToken", "homelab:cloudflareDnsToken"],
      );
      expect(pulumi.RunError.isInstance(error)).toBe(true);
      expect((error as Error).message).toBe(
        "Pulumi.prod.yaml: config.homelab:cloudflareApiToken: holds a plain value — a secret must be stored encrypted: remove it and run `pulumi config set --secret homelab:cloudflareApiToken -s prod`",
      );
    } finally {
      process.chdir(cwd);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("says the inventory itself is missing", async () => {
    const error = await programError({}, []);
    expect((error as Error).message).toBe(
      "Pulumi.prod.yaml: config.homelab:cluster: is required — the cluster inventory",
    );
  });
});
