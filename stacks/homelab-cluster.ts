import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { buildClusterCharts } from "../charts";
import { usedProxmoxHosts, type ClusterInventory, type TelemetryHub } from "../inventory";
import { edgePlan, proxmoxPlan } from "./builders";
import { observabilityOf, type DeployedRecord } from "./deployed";
import { Edge } from "./edge";
import { Platform } from "./platform";
import { ProxmoxVms } from "./proxmox-vms";
import { TalosCluster } from "./talos-cluster";
import { telemetryHubRecord, type TelemetryHubRecord } from "./telemetry-hub";

export interface HomelabClusterArgs {
  readonly inventory: ClusterInventory;
  /**
   * The inventory's versions differ from those the nodes were last upgraded to: tuppr rolls them out in
   * this run, and no node's machine config is re-applied until it has (see `TalosClusterArgs`).
   * @default false
   */
  readonly upgradePending?: boolean;
  /** Needed when the cluster has a Cloudflare tunnel. */
  readonly cloudflareApiToken?: pulumi.Output<string>;
  /** Needed when cert-manager is enabled. */
  readonly cloudflareDnsToken?: pulumi.Output<string>;
  /** The API token of each Proxmox host a node runs on, by host name. */
  readonly proxmoxApiTokens?: Readonly<Record<string, pulumi.Output<string>>>;
  /** A spoke's hub and its password there (secret); required for `platform.lgtm.role: spoke`. */
  readonly telemetryHub?: { readonly hub: TelemetryHub; readonly password: pulumi.Output<string> };
  /** Grafana's SMTP password, when the hub's alert relay has a user. */
  readonly smtpPassword?: pulumi.Output<string>;
}

/** One cluster end to end: Talos, then its Cloudflare edge, then the platform and apps on it. */
export class HomelabCluster extends pulumi.ComponentResource {
  readonly apiEndpoint: string;
  readonly kubeconfig: pulumi.Output<string>;
  readonly talosconfig: pulumi.Output<string>;
  readonly bootImages: pulumi.Output<Record<string, string>>;
  readonly tunnelId?: pulumi.Output<string>;
  readonly gatewayAddresses: { readonly internal: string; readonly public: string };
  readonly publicHostnames: readonly string[];
  /** The CNI, and the versions once every upgrade this run started has completed; see `DeployedRecord`. */
  readonly deployed: pulumi.Output<DeployedRecord>;
  /** A hub's endpoint and tenants, for its spokes' stacks; undefined elsewhere. */
  readonly telemetry?: TelemetryHubRecord;
  /** A hub's generated password of each spoke, by spoke (secret). */
  readonly telemetryCredentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HomelabClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:HomelabCluster", name, {}, opts);
    const { inventory } = args;
    const charts = buildClusterCharts(inventory, { telemetryHub: args.telemetryHub?.hub });

    // Proxmox nodes' VMs, each made when its node's config apply asks for it.
    const proxmoxPlanned = proxmoxPlan(inventory);
    const vms =
      proxmoxPlanned.vms.length > 0
        ? new ProxmoxVms(
            name,
            {
              plan: proxmoxPlanned,
              hosts: usedProxmoxHosts(inventory),
              apiTokens: args.proxmoxApiTokens ?? {},
            },
            { parent: this },
          )
        : undefined;

    const talos = new TalosCluster(
      name,
      {
        machineOf: vms ? (node, schematicId) => vms.vm(node.name, schematicId) : undefined,
        inventory,
        hostMounts: charts.hostMounts,
        cniCharts: charts.cni?.helmCharts ?? [],
        holdConfigChanges: args.upgradePending ?? false,
      },
      { parent: this },
    );

    let edge: Edge | undefined;
    if (inventory.cloudflare && charts.publicGatewayHost && args.cloudflareApiToken) {
      const provider = new cloudflare.Provider(
        `${name}-cloudflare`,
        { apiToken: args.cloudflareApiToken },
        { parent: this },
      );
      edge = new Edge(
        name,
        {
          cloudflare: inventory.cloudflare,
          plan: edgePlan(inventory, charts.publicExposures, charts.publicGatewayHost),
          provider,
        },
        { parent: this },
      );
    }

    const platform = new Platform(
      name,
      {
        charts,
        // Nothing talks to Kubernetes before Talos reports the cluster healthy.
        kubeconfig: pulumi.secret(
          pulumi.all([talos.kubeconfig, talos.healthy]).apply(([kubeconfig]) => kubeconfig),
        ),
        cloudflareDnsToken: args.cloudflareDnsToken,
        tunnelToken: edge?.tunnelToken,
        accessAudiences: edge?.accessAudiences,
        smtpPassword: args.smtpPassword,
        telemetryHubPassword: args.telemetryHub?.password,
      },
      { parent: this, dependsOn: [talos] },
    );

    this.apiEndpoint = talos.apiEndpoint;
    this.kubeconfig = talos.kubeconfig;
    this.talosconfig = talos.talosconfig;
    this.bootImages = talos.bootImages;
    this.tunnelId = edge?.tunnelId;
    this.gatewayAddresses = { ...inventory.gateways };
    this.publicHostnames = charts.publicExposures.map((exposure) => exposure.host).sort();
    this.telemetry = telemetryHubRecord(inventory);
    this.telemetryCredentials = platform.telemetryCredentials;
    // The versions are recorded only once tuppr reports both upgrades completed (their resources wait
    // for it): a failed or interrupted run leaves the record, and so the held configs, as they were.
    this.deployed = platform.applied("upgrades").apply(() => ({
      cni: inventory.network.cni,
      versions: { talosVersion: inventory.talosVersion, kubernetesVersion: inventory.kubernetesVersion },
      upgrades: inventory.platform.upgrades.enabled,
      nodes: inventory.nodes.filter((node) => !node.decommission).map((node) => node.name),
      observability: observabilityOf(inventory),
      vms: Object.fromEntries(
        inventory.nodes.flatMap((node) =>
          node.host.kind === "proxmox" ? [[node.name, { host: node.host.name, vmId: node.host.vmId }]] : [],
        ),
      ),
    }));
    this.registerOutputs({
      apiEndpoint: this.apiEndpoint,
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      tunnelId: this.tunnelId,
    });
  }
}
