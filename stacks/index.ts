/**
 * The Pulumi program: one cluster per stack (`pulumi up -s core|dev|prod`), from the inventory in
 * `Pulumi.<stack>.yaml` and the secrets set with `pulumi config set --secret`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  formatProblem,
  hasTunnel,
  inventoryKey,
  proxmoxApiTokenSettings,
  proxmoxTokenHost,
  statedTelemetryHub,
  upgradeProblems,
} from "../inventory";
import {
  explicitCni,
  explicitVersions,
  loadStackInventory,
  refusePlainSecrets,
  requireSecretSetting,
  secretSettings,
  stackFile,
} from "./config";
import {
  cniProblems,
  previousDeployment,
  storesProblems,
  upgradePending,
  versionProblems,
  vmProblems,
} from "./deployed";
import { HomelabCluster } from "./homelab-cluster";
import { hubFromStack, type SpokeTarget } from "./telemetry-hub";

export = async () => {
  refusePlainSecrets();
  const inventory = loadStackInventory();

  // What the cluster runs now decides what this run may do to it.
  const previous = await previousDeployment();
  const problems = [
    ...cniProblems(previous, inventory, explicitCni()),
    ...versionProblems(previous, inventory, explicitVersions()),
    ...vmProblems(previous, inventory),
    ...storesProblems(previous, inventory),
    ...upgradeProblems(previous.record?.versions, inventory),
  ];
  if (problems.length > 0) {
    throw new pulumi.RunError(
      problems
        .map((problem) =>
          formatProblem(stackFile(), { ...problem, path: ["config", inventoryKey, ...problem.path] }),
        )
        .join("\n"),
    );
  }

  // A spoke ships to its hub: from the hub's stack outputs, or as the stack file states it.
  const { lgtm } = inventory.platform;
  let telemetryHub: SpokeTarget | undefined;
  if (lgtm.enabled && lgtm.role === "spoke" && lgtm.hub) {
    telemetryHub = lgtm.hub.stack
      ? await hubFromStack(inventory, lgtm.hub.stack, (message) =>
          formatProblem(stackFile(), {
            path: ["config", inventoryKey, "platform", "lgtm", "hub", "stack"],
            message,
          }),
        )
      : {
          hub: statedTelemetryHub(inventory)!,
          password: requireSecretSetting(secretSettings.telemetryHubPassword),
        };
  }

  const cluster = new HomelabCluster(inventory.name, {
    inventory,
    upgradePending: upgradePending(previous, inventory),
    cloudflareApiToken: hasTunnel(inventory)
      ? requireSecretSetting(secretSettings.cloudflareApiToken)
      : undefined,
    cloudflareDnsToken: inventory.platform.certManager.enabled
      ? requireSecretSetting(secretSettings.cloudflareDnsToken)
      : undefined,
    telemetryHub,
    smtpPassword:
      lgtm.enabled && lgtm.role === "hub" && lgtm.alerts?.smtp.user !== undefined
        ? requireSecretSetting(secretSettings.smtpPassword)
        : undefined,
    proxmoxApiTokens: Object.fromEntries(
      proxmoxApiTokenSettings(inventory).map((setting) => [
        proxmoxTokenHost(setting.key)!,
        requireSecretSetting(setting),
      ]),
    ),
  });

  return {
    /** Where kubectl reaches the cluster: the control planes' VIP. */
    apiEndpoint: cluster.apiEndpoint,
    /** Secret: `pulumi stack output --show-secrets kubeconfig > ~/.kube/<cluster>`. */
    kubeconfig: cluster.kubeconfig,
    /** Secret: `pulumi stack output --show-secrets talosconfig > ~/.talos/<cluster>`. */
    talosconfig: cluster.talosconfig,
    /** The ISO each node class boots from. */
    bootImages: cluster.bootImages,
    /** The Cloudflare tunnel; find it in the Zero Trust dashboard. */
    tunnelId: cluster.tunnelId,
    /** The gateways' LAN addresses, for the LAN resolver's split DNS. */
    gatewayAddresses: cluster.gatewayAddresses,
    /** Hostnames published through the tunnel. */
    publicHostnames: cluster.publicHostnames,
    /**
     * The CNI and the versions every node has been upgraded to, read back by the next run: the versions
     * resolve only once the cluster's upgrades have completed.
     */
    deployed: cluster.deployed,
    /** A hub's telemetry endpoint and tenants: what its spokes' stacks read. */
    telemetry: cluster.telemetry,
    /**
     * Secret: a hub's generated password of each spoke, by spoke, which the spokes' stacks read (or an
     * operator copies into a spoke's homelab:telemetryHubPassword).
     */
    telemetryCredentials: cluster.telemetryCredentials,
  };
};
