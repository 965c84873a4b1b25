import { App, Chart } from "cdk8s";
import type { GatewayRef } from "../constructs/gateway-ref";
import { HomelabApp, type AppSource, type PodSecurityException } from "../constructs/homelab-app";
import type { TelemetryCollectorRef } from "../constructs/telemetry-collector";
import { enabledApps, platformNamespaces, type App as AppEntry, type ClusterInventory } from "../inventory";
import { accessAudiencePlaceholder } from "./access-audience";

/** A hostname on the public gateway, as the edge (tunnel ingress, DNS record, Access) needs it. */
export interface PublicExposure {
  readonly host: string;
  readonly access: boolean;
  readonly app: string;
}

/** What the apps need of the platform built before them. */
export interface AppsContext {
  /** Absent when Envoy Gateway is off; validation then allows no exposure. */
  readonly gateways?: { readonly internal: GatewayRef; readonly public: GatewayRef };
  readonly collector?: TelemetryCollectorRef;
}

/**
 * The enabled apps in `only` (every enabled app when absent) as HomelabApps in `chart`; then, once
 * every app exists, the calls between them in inventory order — so an entry may name apps listed
 * after it, and an app built in one chart may call one built in another: each side adds its half.
 */
export function addApps(
  chart: Chart,
  inventory: ClusterInventory,
  context: AppsContext,
  only?: ReadonlySet<string>,
): HomelabApp[] {
  const plan = appsPlan(inventory);
  return addPlannedApps(
    chart,
    plan,
    context,
    only ? plan.entries.filter((entry) => only.has(entry.name)) : plan.entries,
  );
}

/** The enabled apps and the calls between them, worked out once for every batch. */
interface AppsPlan {
  readonly entries: readonly AppEntry[];
  /** Caller and callee namespaces, in the order `allowTo` lists them, app by app. */
  readonly calls: readonly {
    readonly caller: string;
    readonly callee: string;
    readonly from: string;
    readonly to: string;
  }[];
  /** The Zero Trust team whose Access tokens the gateway checks; validation requires it for access: true. */
  readonly accessTeamName?: string;
}

function appsPlan(inventory: ClusterInventory): AppsPlan {
  const entries = enabledApps(inventory);
  const namespaceOf = new Map(entries.map((entry) => [entry.name, entry.namespace]));
  const calls = entries.flatMap((entry) =>
    entry.allowTo.map((callee) => ({
      caller: entry.name,
      callee,
      from: entry.namespace,
      to: namespaceOf.get(callee)!,
    })),
  );
  return { entries, calls, accessTeamName: inventory.cloudflare?.access.teamName };
}

function addPlannedApps(
  chart: Chart,
  plan: AppsPlan,
  context: AppsContext,
  entries: readonly AppEntry[],
): HomelabApp[] {
  const apps = new Map<string, HomelabApp>();
  for (const entry of entries) apps.set(entry.name, homelabApp(chart, entry, context, plan.accessTeamName));
  for (const { caller, callee, from, to } of plan.calls) {
    apps.get(caller)?.allowEgressTo(to);
    apps.get(callee)?.allowIngressFrom(from);
  }
  return [...apps.values()];
}

/**
 * The apps chart in pieces of `batchSize` apps, each in an App of its own, so that a cluster of
 * thousands of apps never holds all their constructs at once. Their objects, chart after chart, are
 * the objects of one chart built by `addApps` with every app, in the same order; `range` (enabled
 * apps by index, end excluded) takes a part, for building parts in parallel.
 */
export function* appChartBatches(
  inventory: ClusterInventory,
  context: AppsContext,
  stem: string,
  batchSize: number,
  range: { readonly first: number; readonly end: number } = { first: 0, end: Infinity },
): Generator<Chart> {
  const plan = appsPlan(inventory);
  const end = Math.min(range.end, plan.entries.length);
  for (let start = range.first; start < end; start += batchSize) {
    const chart = new Chart(new App(), stem);
    addPlannedApps(chart, plan, context, plan.entries.slice(start, Math.min(start + batchSize, end)));
    yield chart;
  }
}

/** The exposures on the public gateway, app by app in inventory order. */
export function publicExposures(inventory: ClusterInventory, context: AppsContext): PublicExposure[] {
  if (!context.gateways) return [];
  return enabledApps(inventory).flatMap((entry) =>
    entry.expose
      .filter((exposure) => exposure.gateway === "public")
      .map((exposure) => ({ host: exposure.host, access: exposure.access === true, app: entry.name })),
  );
}

function homelabApp(
  chart: Chart,
  entry: AppEntry,
  { gateways, collector }: AppsContext,
  accessTeamName: string | undefined,
): HomelabApp {
  // Prefixed: `constructs` keeps children in a plain object, where an id such as "constructor" clashes.
  return new HomelabApp(chart, `app-${entry.name}`, {
    name: entry.name,
    namespace: entry.namespace,
    profile: entry.profile,
    torrentPort: entry.torrentPort,
    // Validation rejects `restricted` as an exception, so the level is below it.
    podSecurity: entry.podSecurity as PodSecurityException | undefined,
    source: sourceOf(entry),
    // Validation guarantees the gateways whenever an enabled app is exposed.
    exposures: entry.expose.map((exposure) => ({
      host: exposure.host,
      gateway: gateways![exposure.gateway],
      service: exposure.service,
      port: exposure.port,
      targetPort: exposure.targetPort,
      access: exposure.access,
      accessAudience: exposure.access === true ? accessAudiencePlaceholder(exposure.host) : undefined,
    })),
    publicGateway: gateways?.public,
    accessTeamName,
    telemetry: collector,
    argoNamespace: platformNamespaces.argocd,
  });
}

function sourceOf(entry: AppEntry): AppSource {
  if (entry.source.helm) return { helm: entry.source.helm };
  // The schema admits exactly one of helm and git.
  return { git: entry.source.git! };
}
