import * as pulumi from "@pulumi/pulumi";
import {
  isObservabilityHub,
  telemetryHubOf,
  telemetryTenants,
  type ClusterInventory,
  type TelemetryHub,
} from "../inventory";

/** What a hub's stack exports for its spokes (`telemetry`); its passwords are the secret `telemetryCredentials`. */
export interface TelemetryHubRecord extends TelemetryHub {
  /** Every tenant the hub stores: itself, then its spokes. */
  readonly tenants: readonly string[];
}

/** The hub's record, as the hub's stack exports it: undefined for a cluster that is not a hub. */
export function telemetryHubRecord(inventory: ClusterInventory): TelemetryHubRecord | undefined {
  if (!isObservabilityHub(inventory)) return undefined;
  return { ...telemetryHubOf(inventory), tenants: telemetryTenants(inventory) };
}

/** Where a spoke ships its telemetry, and its password there (secret). */
export interface SpokeTarget {
  readonly hub: TelemetryHub;
  readonly password: pulumi.Output<string>;
}

/**
 * A StackReference to a stack of this project (another, or this one): plain on the self-hosted backends,
 * which name every stack `organization/<project>/<stack>` in their project-scoped layout and plain
 * `<stack>` in the older one, the plain name resolving within the current project in both;
 * `<org>/<project>/<stack>` on Pulumi Cloud.
 */
export function projectStackReference(stack: string): pulumi.StackReference {
  const organization = pulumi.getOrganization();
  return new pulumi.StackReference(
    organization === "organization" ? stack : `${organization}/${pulumi.getProject()}/${stack}`,
  );
}

/**
 * A spoke's hub, read from the hub's stack outputs (`platform.lgtm.hub.stack`). Stops with the order to
 * deploy in when the hub's stack has not been deployed with its observability yet, or does not list this
 * cluster among its spokes. `problem` names the key and message as the stack file's errors do.
 */
export async function hubFromStack(
  inventory: ClusterInventory,
  hubStack: string,
  problem: (message: string) => string,
): Promise<SpokeTarget> {
  const order = `deploy the hub first — list ${inventory.name} in platform.lgtm.spokes of Pulumi.${hubStack}.yaml, run \`pulumi up -s ${hubStack}\`, then this stack`;
  // A stack that does not exist fails Pulumi's own read of the reference ("unknown stack") first.
  const reference = projectStackReference(hubStack);
  const details = await reference.getOutputDetails("telemetry");
  const hub = asHubRecord(details.value ?? details.secretValue);
  if (!hub) {
    throw new pulumi.RunError(
      problem(
        `${hubStack}: the hub's stack has no observability hub deployed (no telemetry output) — ${order}`,
      ),
    );
  }
  if (!hub.tenants.includes(inventory.name)) {
    throw new pulumi.RunError(
      problem(`${hubStack}: the hub stores ${hub.tenants.join(", ")}, not ${inventory.name} — ${order}`),
    );
  }
  const password = pulumi.secret(
    reference.requireOutput("telemetryCredentials").apply((credentials) => {
      const value = (credentials as Record<string, unknown> | undefined)?.[inventory.name];
      if (typeof value !== "string") {
        throw new pulumi.RunError(
          problem(
            `${hubStack}: the hub's telemetryCredentials hold no password for ${inventory.name} — ${order}`,
          ),
        );
      }
      return value;
    }),
  );
  return { hub: { cluster: hub.cluster, hostname: hub.hostname, address: hub.address }, password };
}

function asHubRecord(value: unknown): TelemetryHubRecord | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { cluster, hostname, address, tenants } = value as Record<string, unknown>;
  if (typeof cluster !== "string" || typeof hostname !== "string" || typeof address !== "string")
    return undefined;
  if (!Array.isArray(tenants) || !tenants.every((tenant) => typeof tenant === "string")) return undefined;
  return { cluster, hostname, address, tenants };
}
