/**
 * The Pulumi program: one cluster per stack (`pulumi up -s core|dev|prod`), from the inventory in
 * `Pulumi.<stack>.yaml` and the secrets set with `pulumi config set --secret`.
 */
import { hasTunnel } from "../inventory";
import { loadStackInventory, refusePlainSecrets, requireSecretSetting, secretSettings } from "./config";
import { HomelabCluster } from "./homelab-cluster";

refusePlainSecrets();
const inventory = loadStackInventory();

const cluster = new HomelabCluster(inventory.name, {
  inventory,
  cloudflareApiToken: hasTunnel(inventory)
    ? requireSecretSetting(secretSettings.cloudflareApiToken)
    : undefined,
  cloudflareDnsToken: inventory.platform.certManager.enabled
    ? requireSecretSetting(secretSettings.cloudflareDnsToken)
    : undefined,
});

/** Where kubectl reaches the cluster: the control planes' VIP. */
export const apiEndpoint = cluster.apiEndpoint;
/** Secret: `pulumi stack output --show-secrets kubeconfig > ~/.kube/<cluster>`. */
export const kubeconfig = cluster.kubeconfig;
/** Secret: `pulumi stack output --show-secrets talosconfig > ~/.talos/<cluster>`. */
export const talosconfig = cluster.talosconfig;
/** The ISO each node class boots from. */
export const bootImages = cluster.bootImages;
/** The Cloudflare tunnel; find it in the Zero Trust dashboard. */
export const tunnelId = cluster.tunnelId;
/** The gateways' LAN addresses, for the LAN resolver's split DNS. */
export const gatewayAddresses = cluster.gatewayAddresses;
/** Hostnames published through the tunnel. */
export const publicHostnames = cluster.publicHostnames;
