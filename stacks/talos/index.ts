/**
 * A typed binding of the pulumiverse Talos provider, named like its SDK `@pulumiverse/talos` so
 * that moving to the SDK, once the registry serves it, is a change of import.
 */
import * as client from "./client";
import * as cluster from "./cluster";
import * as imagefactory from "./image-factory";
import * as machine from "./machine";
import { providerBinding } from "./provider";

export { client, cluster, imagefactory, machine };
export { Provider, type ProviderArgs } from "./provider";
export { talosPlugin, talosResourceOptions, talosInvokeOptions } from "./options";
export type { ClientConfiguration, MachineSecrets } from "./types";

/** Every token this binding registers or invokes, with the facts the package-schema test checks. */
export const talosBindings = {
  resources: [
    providerBinding,
    machine.secretsBinding,
    machine.configurationApplyBinding,
    machine.bootstrapBinding,
    cluster.kubeconfigBinding,
    imagefactory.schematicBinding,
  ],
  invokes: [
    machine.getConfigurationBinding,
    client.getConfigurationBinding,
    cluster.getHealthBinding,
    imagefactory.getUrlsBinding,
  ],
} as const;
