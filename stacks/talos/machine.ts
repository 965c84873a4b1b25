import * as pulumi from "@pulumi/pulumi";
import {
  invokeTalos,
  resourceInputs,
  type InvokeBinding,
  type ResourceBinding,
  type ResourceOutputs,
} from "./binding";
import { talosResourceOptions } from "./options";
import {
  clientConfigurationFields,
  machineSecretsFields,
  type ClientConfiguration,
  type MachineSecrets,
} from "./types";

export type MachineType = "controlplane" | "worker";

/** How a config is applied; the provider types it as a string, the values are the Talos apply modes. */
export type ApplyMode = "auto" | "reboot" | "no_reboot" | "staged" | "staged_if_needing_reboot";

/** Go duration strings such as `"10m"`. */
export interface ConfigurationApplyTimeouts {
  create?: string;
  update?: string;
  delete?: string;
}

export interface ConfigurationApplyOnDestroy {
  graceful?: boolean;
  reboot?: boolean;
  reset?: boolean;
}

export interface BootstrapTimeouts {
  create?: string;
}

export interface SecretsArgs {
  /** The Talos version contract the secrets are generated for, e.g. `v1.13.9`. */
  talosVersion?: pulumi.Input<string>;
}

export interface SecretsOutputs {
  clientConfiguration: ClientConfiguration;
  machineSecrets: MachineSecrets;
  talosVersion: string;
}

export const secretsBinding: ResourceBinding<SecretsArgs, SecretsOutputs> = {
  token: "talos:machine/secrets:Secrets",
  inputs: { talosVersion: "optional" },
  outputs: { clientConfiguration: "required", machineSecrets: "required", talosVersion: "required" },
  secretInputs: [],
  // The schema marks only their leaves (keys, tokens) secret; a mock engine would not.
  secretOutputs: ["clientConfiguration", "machineSecrets"],
  requiredSinceWriteOnlyTwinOmitted: [],
  objectFields: { clientConfiguration: clientConfigurationFields, machineSecrets: machineSecretsFields },
};

/** The cluster's CAs, tokens and client credentials; generated once and kept in state. */
export class Secrets extends pulumi.CustomResource implements ResourceOutputs<SecretsOutputs> {
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  declare readonly machineSecrets: pulumi.Output<MachineSecrets>;
  declare readonly talosVersion: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      secretsBinding.token,
      name,
      resourceInputs(secretsBinding, args),
      talosResourceOptions(opts, secretsBinding.secretOutputs),
    );
  }
}

export interface ConfigurationApplyArgs {
  /** The node to configure (its address). */
  node: pulumi.Input<string>;
  /** Where to reach the Talos API; defaults to `node`. */
  endpoint?: pulumi.Input<string>;
  clientConfiguration: pulumi.Input<ClientConfiguration>;
  /** The machine config to apply, usually from `getConfigurationOutput`. */
  machineConfigurationInput: pulumi.Input<string>;
  configPatches?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default "auto" */
  applyMode?: pulumi.Input<ApplyMode>;
  onDestroy?: pulumi.Input<ConfigurationApplyOnDestroy>;
  timeouts?: pulumi.Input<ConfigurationApplyTimeouts>;
}

export interface ConfigurationApplyOutputs {
  applyMode: ApplyMode;
  clientConfiguration: ClientConfiguration | undefined;
  configPatches: string[] | undefined;
  endpoint: string;
  machineConfiguration: string;
  machineConfigurationHash: string;
  machineConfigurationInput: string | undefined;
  node: string;
  onDestroy: ConfigurationApplyOnDestroy | undefined;
  resolvedApplyMode: string;
  timeouts: ConfigurationApplyTimeouts | undefined;
}

export const configurationApplyBinding: ResourceBinding<ConfigurationApplyArgs, ConfigurationApplyOutputs> = {
  token: "talos:machine/configurationApply:ConfigurationApply",
  inputs: {
    node: "required",
    endpoint: "optional",
    clientConfiguration: "required",
    machineConfigurationInput: "required",
    configPatches: "optional",
    applyMode: "optional",
    onDestroy: "optional",
    timeouts: "optional",
  },
  outputs: {
    applyMode: "required",
    clientConfiguration: "optional",
    configPatches: "optional",
    endpoint: "required",
    machineConfiguration: "required",
    machineConfigurationHash: "required",
    machineConfigurationInput: "optional",
    node: "required",
    onDestroy: "optional",
    resolvedApplyMode: "required",
    timeouts: "optional",
  },
  secretInputs: ["machineConfigurationInput"],
  secretOutputs: ["clientConfiguration", "machineConfiguration", "machineConfigurationInput"],
  requiredSinceWriteOnlyTwinOmitted: ["clientConfiguration", "machineConfigurationInput"],
  objectFields: {
    clientConfiguration: clientConfigurationFields,
    onDestroy: { graceful: "optional", reboot: "optional", reset: "optional" },
    timeouts: { create: "optional", update: "optional", delete: "optional" },
  },
};

/** Applies a machine config to one node over the Talos API. */
export class ConfigurationApply
  extends pulumi.CustomResource
  implements ResourceOutputs<ConfigurationApplyOutputs>
{
  declare readonly applyMode: pulumi.Output<ApplyMode>;
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration | undefined>;
  declare readonly configPatches: pulumi.Output<string[] | undefined>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly machineConfiguration: pulumi.Output<string>;
  declare readonly machineConfigurationHash: pulumi.Output<string>;
  declare readonly machineConfigurationInput: pulumi.Output<string | undefined>;
  declare readonly node: pulumi.Output<string>;
  declare readonly onDestroy: pulumi.Output<ConfigurationApplyOnDestroy | undefined>;
  declare readonly resolvedApplyMode: pulumi.Output<string>;
  declare readonly timeouts: pulumi.Output<ConfigurationApplyTimeouts | undefined>;

  constructor(name: string, args: ConfigurationApplyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      configurationApplyBinding.token,
      name,
      resourceInputs(configurationApplyBinding, args),
      talosResourceOptions(opts, configurationApplyBinding.secretOutputs),
    );
  }
}

export interface BootstrapArgs {
  /** The one control-plane node that starts etcd. */
  node: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
  clientConfiguration: pulumi.Input<ClientConfiguration>;
  timeouts?: pulumi.Input<BootstrapTimeouts>;
}

export interface BootstrapOutputs {
  clientConfiguration: ClientConfiguration | undefined;
  endpoint: string;
  node: string;
  timeouts: BootstrapTimeouts | undefined;
}

export const bootstrapBinding: ResourceBinding<BootstrapArgs, BootstrapOutputs> = {
  token: "talos:machine/bootstrap:Bootstrap",
  inputs: { node: "required", endpoint: "optional", clientConfiguration: "required", timeouts: "optional" },
  outputs: { clientConfiguration: "optional", endpoint: "required", node: "required", timeouts: "optional" },
  secretInputs: [],
  secretOutputs: ["clientConfiguration"],
  requiredSinceWriteOnlyTwinOmitted: ["clientConfiguration"],
  objectFields: { clientConfiguration: clientConfigurationFields, timeouts: { create: "optional" } },
};

/** Bootstraps etcd on one control plane; must exist once per cluster. */
export class Bootstrap extends pulumi.CustomResource implements ResourceOutputs<BootstrapOutputs> {
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration | undefined>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly node: pulumi.Output<string>;
  declare readonly timeouts: pulumi.Output<BootstrapTimeouts | undefined>;

  constructor(name: string, args: BootstrapArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      bootstrapBinding.token,
      name,
      resourceInputs(bootstrapBinding, args),
      talosResourceOptions(opts, bootstrapBinding.secretOutputs),
    );
  }
}

export interface GetConfigurationOutputArgs {
  clusterName: pulumi.Input<string>;
  /** The Kubernetes API URL, e.g. `https://10.20.0.10:6443`. */
  clusterEndpoint: pulumi.Input<string>;
  machineSecrets: pulumi.Input<MachineSecrets>;
  machineType: pulumi.Input<MachineType>;
  /** Strategic-merge patches; one string may hold several YAML documents. */
  configPatches?: pulumi.Input<pulumi.Input<string>[]>;
  kubernetesVersion?: pulumi.Input<string>;
  /** The config contract, not the installed version. */
  talosVersion?: pulumi.Input<string>;
  docs?: pulumi.Input<boolean>;
  examples?: pulumi.Input<boolean>;
}

export interface GetConfigurationResult {
  readonly clusterEndpoint: string;
  readonly clusterName: string;
  readonly configPatches: string[] | undefined;
  readonly docs: boolean | undefined;
  readonly examples: boolean | undefined;
  readonly id: string;
  readonly kubernetesVersion: string | undefined;
  readonly machineConfiguration: string;
  readonly machineSecrets: MachineSecrets;
  readonly machineType: MachineType;
  readonly talosVersion: string | undefined;
}

export const getConfigurationBinding: InvokeBinding<GetConfigurationOutputArgs, GetConfigurationResult> = {
  token: "talos:machine/getConfiguration:getConfiguration",
  inputs: {
    clusterName: "required",
    clusterEndpoint: "required",
    machineSecrets: "required",
    machineType: "required",
    configPatches: "optional",
    kubernetesVersion: "optional",
    talosVersion: "optional",
    docs: "optional",
    examples: "optional",
  },
  outputs: {
    clusterEndpoint: "required",
    clusterName: "required",
    configPatches: "optional",
    docs: "optional",
    examples: "optional",
    id: "required",
    kubernetesVersion: "optional",
    machineConfiguration: "required",
    machineSecrets: "required",
    machineType: "required",
    talosVersion: "optional",
  },
  secretResult: true,
  objectFields: { machineSecrets: machineSecretsFields },
};

/** Generates one node's machine config from the cluster secrets and its patches. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  return invokeTalos(getConfigurationBinding, args, opts);
}
