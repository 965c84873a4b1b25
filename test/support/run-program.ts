import * as path from "node:path";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { componentFileStem } from "../../charts/components";
import { edgeFakes } from "./edge-fakes";
import { previousOutputs, type OtherStack } from "./previous-deployment";
import { parseInventory } from "../../inventory";
import { telemetryHubRecord } from "../../stacks/telemetry-hub";
import { recordPulumi, valueOf } from "./pulumi-harness";
import { talosFakes } from "./talos-fakes";

const root = path.resolve(__dirname, "../..");

type Program = typeof import("../../stacks/index");

/** The `config` of a stack file. */
export function stackConfig(stack: string): Record<string, unknown> {
  const file = parse(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return file.config;
}

/** What the random provider would make for a generated bootstrap Secret: a stand-in, never a real value. */
const randomFakes = {
  "random:index/randomPassword:RandomPassword": (inputs: Record<string, unknown>) => ({
    result: `fake-password-${String(inputs.length)}`,
  }),
};

/**
 * Runs the real program for a stack under mocks, with its stack file as config plus fake secrets, and
 * `lastOutputs` as what the stack's previous `pulumi up` left (`{}`: never deployed). `inventoryOverride`
 * changes the stack file's inventory first, as an edit of the file would.
 */
export async function runProgram(
  stack: string,
  givenSecrets: Record<string, string>,
  lastOutputs: Record<string, unknown> = {},
  inventoryOverride?: (inventory: Record<string, unknown>) => Record<string, unknown>,
  otherStacks: Readonly<Record<string, OtherStack>> = deployedHubs(),
) {
  let secrets = givenSecrets;
  const recorder = recordPulumi("homelab", stack, {
    ...talosFakes,
    ...edgeFakes,
    ...randomFakes,
    ...previousOutputs(lastOutputs, stack, otherStacks),
  });
  const stackSettings = stackConfig(stack);
  if (inventoryOverride) {
    stackSettings["homelab:cluster"] = inventoryOverride(
      structuredClone(stackSettings["homelab:cluster"]) as Record<string, unknown>,
    );
  }
  // Every Proxmox host a node runs on needs its API token; a stand-in, never a real value.
  const proxmoxTokens = Object.fromEntries(
    [
      ...new Set(
        (
          (stackSettings["homelab:cluster"] as { nodes?: { host: { kind: string; name?: string } }[] })
            .nodes ?? []
        )
          .filter((node) => node.host.kind === "proxmox")
          .map((node) => node.host.name!),
      ),
    ].map((host) => [`homelab:proxmoxApiToken-${host}`, `fake-proxmox-token-${host}`]),
  );
  // A hub whose alert relay has a user needs its password; a stand-in, never a real value.
  const relay = (
    stackSettings["homelab:cluster"] as { platform?: { lgtm?: { alerts?: { smtp?: { user?: string } } } } }
  ).platform?.lgtm?.alerts?.smtp?.user;
  const smtp: Record<string, string> =
    relay !== undefined ? { "homelab:smtpPassword": "fake-smtp-password" } : {};
  secrets = { ...proxmoxTokens, ...smtp, ...secrets };
  const config = Object.fromEntries(
    Object.entries({ ...stackSettings, ...secrets }).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  pulumi.runtime.setAllConfig(config, Object.keys(secrets));
  let main: Program | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh program per stack needs require inside isolateModules
    main = require("../../stacks/index") as Program;
  });
  const program = await main!();
  await Promise.all([
    valueOf(program.kubeconfig),
    valueOf(program.talosconfig),
    valueOf(program.bootImages),
    valueOf(program.deployed),
  ]);
  if (program.tunnelId) await valueOf(program.tunnelId);
  // The apps group is the last resource the program registers, after the health gate.
  const inventory = stackSettings["homelab:cluster"] as { name: string };
  await recorder.registered(`${inventory.name}-${componentFileStem("apps")}`);
  return { ...recorder, program };
}

/**
 * The example hubs as deployed: each stack file whose inventory is an observability hub, with the outputs
 * its `pulumi up` leaves (`telemetry`, and stand-in passwords as the secret `telemetryCredentials`). What
 * a spoke's program reads unless a test gives other stacks.
 */
export function deployedHubs(): Record<string, OtherStack> {
  const hubs: Record<string, OtherStack> = {};
  for (const stack of ["core", "dev", "prod"]) {
    const inventory = parseInventory(stackConfig(stack)["homelab:cluster"], `Pulumi.${stack}.yaml`);
    const { lgtm } = inventory.platform;
    if (!lgtm.enabled || lgtm.role !== "hub") continue;
    hubs[stack] = {
      outputs: {
        telemetry: telemetryHubRecord(inventory),
        telemetryCredentials: Object.fromEntries(
          lgtm.spokes.map((spoke) => [spoke, `fake-telemetry-password-${spoke}`]),
        ),
      },
      secretOutputNames: ["telemetryCredentials"],
    };
  }
  return hubs;
}
