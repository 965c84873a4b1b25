import type { Chart } from "cdk8s";
import type { EnvoyGateway } from "../constructs/envoy-gateway";
import { HomelabApp, type AppSource, type PodSecurityException } from "../constructs/homelab-app";
import type { TelemetryCollectorRef } from "../constructs/telemetry-collector";
import { enabledApps, platformNamespaces, type App, type ClusterInventory } from "../inventory";

/** A hostname on the public gateway, as the edge (tunnel ingress, DNS record, Access) needs it. */
export interface PublicExposure {
  readonly host: string;
  readonly access: boolean;
  readonly app: string;
}

/**
 * One HomelabApp per enabled app; then the calls between them, once every app exists, so that an
 * entry may name apps listed after it. Disabled apps yield nothing.
 */
export function buildApps(
  chart: Chart,
  inventory: ClusterInventory,
  gateways: EnvoyGateway | undefined,
  collector?: TelemetryCollectorRef,
): PublicExposure[] {
  const apps = new Map<string, HomelabApp>();
  for (const entry of enabledApps(inventory)) {
    apps.set(
      entry.name,
      // Prefixed: `constructs` keeps children in a plain object, where an id such as "constructor" clashes.
      new HomelabApp(chart, `app-${entry.name}`, {
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
        })),
        publicGateway: gateways?.public,
        telemetry: collector,
        argoNamespace: platformNamespaces.argocd,
      }),
    );
  }
  for (const entry of enabledApps(inventory)) {
    for (const callee of entry.allowTo) apps.get(entry.name)!.allowTo(apps.get(callee)!);
  }
  return [...apps.values()].flatMap((app) =>
    app.publicExposures.map((exposure) => ({ ...exposure, app: app.name })),
  );
}

function sourceOf(entry: App): AppSource {
  if (entry.source.helm) return { helm: entry.source.helm };
  // The schema admits exactly one of helm and git.
  return { git: entry.source.git! };
}
