import { App, Chart } from "cdk8s";
import { Construct } from "constructs";
import { ArgoCd } from "../constructs/argo-cd";
import { CertManager } from "../constructs/cert-manager";
import { Cilium, ciliumMetricsPorts } from "../constructs/cilium";
import { Cloudflared, cloudflaredConnectors } from "../constructs/cloudflared";
import { EnvoyGateway } from "../constructs/envoy-gateway";
import { Lgtm, lgtmCollector } from "../constructs/lgtm";
import { TelemetryCollectors } from "../constructs/telemetry-collectors";
import { LocalPathStorage, type KubeletHostMount } from "../constructs/local-path-storage";
import { MetalLb } from "../constructs/metal-lb";
import { Tuppr } from "../constructs/tuppr";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  InstallPhases,
  PlatformComponent,
} from "../constructs/platform-component";
import {
  argocdHostname,
  autoAssignedPool,
  grafanaHostname,
  hasTunnel,
  statedTelemetryHub,
  telemetryHostname,
  type TelemetryHub,
  kubernetesApiAccess,
  platformNamespaces,
  type ClusterInventory,
} from "../inventory";
import { durationSeconds } from "../inventory/formats";
import { addApps, publicExposures, type AppsContext, type PublicExposure } from "./apps";
import {
  bootstrapSecrets,
  enabledBootstrapSecrets,
  grafanaSmtpSecret,
  mimirObjectStoreSecret,
  telemetryHubCredentials,
  telemetryTenantSecret,
  type BootstrapSecret,
} from "./bootstrap-secrets";
import { componentFileStem, phaseFileStem, type ComponentName } from "./components";
import { mimirBuckets } from "./install-hooks";
import { namespacesChart } from "./namespaces";

/** One platform component of a cluster: its own objects as a cdk8s chart, and the Helm charts it needs first. */
export interface ComponentChart {
  readonly component: ComponentName;
  /** `03-cert-manager`: the apply order and the file names in `out/`. */
  readonly stem: string;
  readonly chart: Chart;
  readonly helmCharts: readonly HelmChart[];
  /** The namespace the Helm charts install into; absent for the apps, which bring their own. */
  readonly namespace?: ComponentNamespace;
  /**
   * The kinds of pod the component runs, by label (host-networked ones marked): what its
   * NetworkPolicies select. Empty for the apps, whose namespaces are one set of pods each.
   */
  readonly workloads: readonly ComponentWorkload[];
  /**
   * Applied before `helmCharts`: what their pre-install hooks would make (Pulumi's Helm support runs no
   * hooks). Often empty.
   */
  readonly beforeCharts: Chart;
  /**
   * Applied together with `helmCharts`, and before `chart`: post-install hook replacements the charts'
   * workloads need to become ready (Jobs that retry until the chart's service answers). Often empty.
   */
  readonly withCharts: Chart;
  /**
   * Applied after `helmCharts` and before `chart`: post-install hook replacements and the readiness gate
   * of the component's admission webhook, Jobs that `chart` waits for. Often empty.
   */
  readonly afterCharts: Chart;
}

/** The cluster's CNI, when the program installs it: on the bare cluster, before Talos's full health gate. */
export interface ClusterCni {
  readonly name: "cilium";
  /** Installed in order, before anything else touches the cluster. */
  readonly helmCharts: readonly HelmChart[];
  /** Its pods: all host-networked, so outside NetworkPolicy. */
  readonly workloads: readonly ComponentWorkload[];
  readonly namespace: string;
}

export interface ClusterCharts {
  /**
   * The CNI the program installs (Cilium); absent when Talos installs one itself (flannel, which
   * enforces no NetworkPolicy).
   */
  readonly cni?: ClusterCni;
  /** The platform namespaces, applied before any Helm chart. */
  readonly namespaces: Chart;
  /** Enabled components in apply order. */
  readonly components: readonly ComponentChart[];
  /** What the Cloudflare edge must route: hostnames on the public gateway. */
  readonly publicExposures: readonly PublicExposure[];
  /** The in-cluster host of the public gateway's Service, where the tunnel sends. */
  readonly publicGatewayHost?: string;
  /** Host directories the kubelet must mount for the platform: the storage provisioner's. */
  readonly hostMounts: readonly KubeletHostMount[];
  /** The Secrets the Pulumi layer makes for the enabled components, after the namespaces. */
  readonly bootstrapSecrets: readonly BootstrapSecret[];
  /** What the apps are built with, for building them in batches (`appChartBatches`). */
  readonly appsContext: AppsContext;
  /** The cluster's observability, while `platform.lgtm` is enabled. */
  readonly telemetry?: ClusterTelemetry;
}

/** What the cluster's observability is: a hub and its tenants, or a spoke and its hub. */
export type ClusterTelemetry =
  | {
      readonly role: "hub";
      /** Every tenant the hub stores: the cluster itself, then its spokes. */
      readonly tenants: readonly string[];
      /** Where spokes push, when there are spokes. */
      readonly hostname?: string;
      /** The cluster's collector pipeline (Alloy's configuration). */
      readonly collectorConfig: string;
      /** Grafana's dashboards by file stem. */
      readonly dashboards: Readonly<Record<string, unknown>>;
      /** Grafana's alerting provisioning files by name. */
      readonly alerting: Readonly<Record<string, unknown>>;
    }
  | {
      readonly role: "spoke";
      readonly hub: TelemetryHub;
      readonly collectorConfig: string;
    };

export interface BuildOptions {
  /**
   * Where a spoke's hub is, as the hub's stack says; required when the inventory's `platform.lgtm.hub`
   * names a stack (one named by hostname and address is taken from the inventory).
   */
  readonly telemetryHub?: TelemetryHub;
  /**
   * Leave the apps chart empty, for a caller that builds it in batches with `appChartBatches` and
   * `appsContext`, as render does for clusters of thousands of apps.
   * @default false
   */
  readonly deferApps?: boolean;
}

/**
 * Every cdk8s chart of a cluster from its inventory. The inventory was validated, so the constructs'
 * own checks hold; a construct that still throws names a check the inventory lacks.
 */
export function buildClusterCharts(inventory: ClusterInventory, options: BuildOptions = {}): ClusterCharts {
  const app = new App();
  const { platform } = inventory;
  const components: ComponentChart[] = [];
  const phaseCharts = (stem: string) => ({
    beforeCharts: new Chart(app, phaseFileStem(stem, "beforeCharts")),
    withCharts: new Chart(app, phaseFileStem(stem, "withCharts")),
    afterCharts: new Chart(app, phaseFileStem(stem, "afterCharts")),
  });
  const add = <T extends Construct & PlatformComponent>(
    component: ComponentName,
    build: (scope: Chart, phases: Required<InstallPhases>) => T,
    moreWorkloads: () => readonly ComponentWorkload[] = () => [],
  ): T => {
    const stem = componentFileStem(component);
    const phases = phaseCharts(stem);
    const chart = new Chart(app, stem);
    const built = build(chart, phases);
    components.push({
      component,
      stem,
      chart,
      helmCharts: built.helmCharts,
      namespace: built.namespace,
      workloads: [...(built.workloads ?? []), ...moreWorkloads()],
      ...phases,
    });
    return built;
  };

  let cni: ClusterCni | undefined;
  if (inventory.network.cni === "cilium") {
    const cilium = new Cilium(new Chart(app, "cni"), "cilium", {
      // Two operators, one on a single-node cluster: they are host-networked, spread one per node.
      operatorReplicas: Math.min(2, inventory.nodes.filter((node) => !node.decommission).length),
    });
    cni = {
      name: "cilium",
      helmCharts: cilium.helmCharts,
      workloads: cilium.workloads,
      namespace: cilium.namespace,
    };
  }

  // Alloy's identity is fixed, so components applied before the LGTM stack can already admit it.
  const collector = platform.lgtm.enabled ? lgtmCollector(platformNamespaces.lgtm) : undefined;
  // Every platform namespace denies by default; its pods reach the API, and the API server its webhooks, here.
  const apiServer = kubernetesApiAccess(inventory);

  const storage = platform.storage.enabled
    ? add(
        "storage",
        (scope) =>
          new LocalPathStorage(scope, "storage", {
            hostPath: platform.storage.hostPath,
            storageClassName: platform.storage.className,
            namespace: platformNamespaces.storage,
            apiServer,
          }),
      )
    : undefined;

  if (platform.metallb.enabled) {
    add(
      "metallb",
      (scope, phases) =>
        new MetalLb(scope, "metallb", {
          addresses: autoAssignedPool(inventory),
          reservedAddresses: [inventory.gateways.internal, inventory.gateways.public],
          namespace: platformNamespaces.metallb,
          phases,
          apiServer,
        }),
    );
  }

  // Validation guarantees the e-mail and Cloudflare settings whenever cert-manager is enabled.
  const certManager = platform.certManager.enabled
    ? add(
        "cert-manager",
        (scope, phases) =>
          new CertManager(scope, "cert-manager", {
            acmeEmail: platform.certManager.acmeEmail!,
            cloudflareApiTokenSecret: bootstrapSecrets.cloudflareDnsToken,
            wildcardDomains: [inventory.domain],
            certificateNamespace: platformNamespaces.envoyGateway,
            issuer: platform.certManager.issuer,
            namespace: platformNamespaces.certManager,
            phases,
            apiServer,
            telemetry: collector,
          }),
      )
    : undefined;

  // Validation guarantees cert-manager and MetalLB whenever the gateways are enabled.
  const gateways =
    platform.envoyGateway.enabled && certManager
      ? add(
          "envoy-gateway",
          (scope, phases) =>
            new EnvoyGateway(scope, "envoy-gateway", {
              internalAddress: inventory.gateways.internal,
              publicAddress: inventory.gateways.public,
              certificate: certManager.certificate(inventory.domain),
              namespace: platformNamespaces.envoyGateway,
              phases,
              apiServer,
              tunnel: hasTunnel(inventory)
                ? cloudflaredConnectors(platformNamespaces.cloudflared)
                : undefined,
              telemetry: collector,
            }),
        )
      : undefined;

  if (hasTunnel(inventory) && gateways && inventory.cloudflare) {
    const replicas = inventory.cloudflare.tunnelReplicas;
    add(
      "cloudflared",
      (scope) =>
        new Cloudflared(scope, "cloudflared", {
          tunnelTokenSecret: bootstrapSecrets.tunnelToken,
          publicGateway: gateways.public,
          replicas,
          namespace: platformNamespaces.cloudflared,
          telemetry: collector,
        }),
    );
  }

  if (platform.argocd.enabled) {
    add(
      "argocd",
      (scope) =>
        new ArgoCd(scope, "argocd", {
          hostname: argocdHostname(inventory),
          gateway: gateways?.internal,
          dex: platform.argocd.dex,
          namespace: platformNamespaces.argocd,
          apiServer,
          telemetry: collector,
        }),
    );
  }

  let telemetry: ClusterTelemetry | undefined;
  // The collector scrapes the kubelets, node-exporter and the CNI's agents on every node's address.
  const nodeAddresses = inventory.nodes.map((node) => node.address);
  const hostMetricsPorts = cni ? Object.values(ciliumMetricsPorts) : [];
  if (platform.lgtm.enabled && platform.lgtm.role === "hub") {
    const { lgtm } = platform;
    let bucketJob: ComponentWorkload | undefined;
    const hub = add(
      "lgtm",
      (scope, phases) => {
        const stack = new Lgtm(scope, "lgtm", {
          cluster: inventory.name,
          grafanaHostname: grafanaHostname(inventory),
          gateway: gateways?.internal,
          retentionDays: lgtm.retentionDays,
          lokiStorage: lgtm.lokiStorage,
          tempoStorage: lgtm.tempoStorage,
          mimirStorage: lgtm.mimirStorage,
          grafanaStorage: lgtm.grafanaStorage,
          storageClassName: storage?.storageClassName ?? platform.storage.className,
          namespace: platformNamespaces.lgtm,
          apiServer,
          nodeAddresses,
          hostMetricsPorts,
          spokes: lgtm.spokes.map((spoke) => ({
            name: spoke,
            htpasswdSecret: telemetryTenantSecret(spoke).name,
          })),
          telemetryHostname: telemetryHostname(inventory),
          alerts: lgtm.alerts && {
            email: lgtm.alerts.email,
            smtp: {
              ...lgtm.alerts.smtp,
              passwordSecret: lgtm.alerts.smtp.user
                ? { name: grafanaSmtpSecret.name, key: grafanaSmtpSecret.key }
                : undefined,
            },
          },
        });
        // The MinIO subchart makes Mimir's buckets in a post-install hook; a Job beside the charts does
        // instead: Mimir's store-gateway and compactor only become ready once the buckets exist.
        bucketJob = mimirBuckets(phases.withCharts, stack.namespace.name, stack.helmCharts);
        return stack;
      },
      () => (bucketJob ? [bucketJob] : []),
    );
    telemetry = {
      role: "hub",
      tenants: hub.tenants,
      hostname: lgtm.spokes.length > 0 ? telemetryHostname(inventory) : undefined,
      collectorConfig: hub.collectors.config,
      dashboards: hub.dashboards,
      alerting: hub.alerting,
    };
  } else if (platform.lgtm.enabled) {
    // A hub named by its stack is read by the caller (from the stack's outputs, or its file for render).
    const hub = options.telemetryHub ?? statedTelemetryHub(inventory);
    if (!hub) {
      throw new Error(
        `${inventory.name} is a spoke of the hub stack ${platform.lgtm.hub?.stack}: buildClusterCharts needs options.telemetryHub`,
      );
    }
    const collectors = add(
      "lgtm",
      (scope) =>
        new TelemetryCollectors(scope, "lgtm", {
          cluster: inventory.name,
          namespace: platformNamespaces.lgtm,
          destination: {
            kind: "hub",
            hostname: hub.hostname,
            address: hub.address,
            credentials: { name: telemetryHubCredentials.name, key: telemetryHubCredentials.key },
          },
          apiServer,
          nodeAddresses,
          hostMetricsPorts,
        }),
    );
    telemetry = { role: "spoke", hub, collectorConfig: collectors.config };
  }

  // tuppr: the versions as upgrade resources, rolled out node by node once they move.
  if (platform.upgrades.enabled) {
    add(
      "upgrades",
      (scope, phases) =>
        new Tuppr(scope, "upgrades", {
          talosVersion: inventory.talosVersion,
          kubernetesVersion: inventory.kubernetesVersion,
          // Validated as a duration.
          upgradeTimeoutSeconds: durationSeconds(inventory.talos.upgradeTimeout)!,
          namespace: platformNamespaces.upgrades,
          phases,
          apiServer,
          telemetry: collector,
        }),
    );
  }

  const appsChart = new Chart(app, componentFileStem("apps"));
  const appsContext: AppsContext = {
    gateways: gateways ? { internal: gateways.internal, public: gateways.public } : undefined,
    collector,
  };
  if (!options.deferApps) addApps(appsChart, inventory, appsContext);
  components.push({
    component: "apps",
    stem: componentFileStem("apps"),
    chart: appsChart,
    helmCharts: [],
    workloads: [],
    ...phaseCharts(componentFileStem("apps")),
  });

  return {
    cni,
    namespaces: namespacesChart(
      app,
      components.flatMap(({ namespace }) => (namespace ? [namespace] : [])),
    ),
    components,
    publicExposures: publicExposures(inventory, appsContext),
    publicGatewayHost: gateways?.publicServiceHost,
    hostMounts: storage ? [storage.hostMount] : [],
    bootstrapSecrets: [
      ...enabledBootstrapSecrets(components.map(({ component }) => component)),
      ...observabilitySecrets(inventory),
    ],
    telemetry,
    appsContext,
  };
}

/** The hub's Secrets (Mimir's object store, its tenants', its SMTP relay's), or the spoke's password at its hub. */
function observabilitySecrets(inventory: ClusterInventory): BootstrapSecret[] {
  const { lgtm } = inventory.platform;
  if (!lgtm.enabled) return [];
  if (lgtm.role === "spoke") return [telemetryHubCredentials];
  return [
    mimirObjectStoreSecret,
    ...lgtm.spokes.map(telemetryTenantSecret),
    ...(lgtm.alerts?.smtp.user !== undefined ? [grafanaSmtpSecret] : []),
  ];
}
