import * as pulumi from "@pulumi/pulumi";
import {
  invokeTalos,
  resourceInputs,
  type InvokeBinding,
  type ResourceBinding,
  type ResourceOutputs,
} from "./binding";
import { talosResourceOptions } from "./options";
import { clientConfigurationFields, type ClientConfiguration } from "./types";

/** Credentials of the cluster-admin client in the kubeconfig. */
export interface KubeconfigKubernetesClientConfiguration {
  caCertificate: string;
  clientCertificate: string;
  clientKey: string;
  host: string;
}

/** Go duration strings such as `"10m"`. */
export interface KubeconfigTimeouts {
  create?: string;
  update?: string;
}

export interface KubeconfigArgs {
  /** A control-plane node to fetch the kubeconfig from. */
  node: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
  clientConfiguration: pulumi.Input<ClientConfiguration>;
  /** How long before expiry the client certificate is renewed. @default "720h" */
  certificateRenewalDuration?: pulumi.Input<string>;
  timeouts?: pulumi.Input<KubeconfigTimeouts>;
}

export interface KubeconfigOutputs {
  certificateRenewalDuration: string;
  clientConfiguration: ClientConfiguration;
  endpoint: string;
  kubeconfigRaw: string;
  kubernetesClientConfiguration: KubeconfigKubernetesClientConfiguration;
  node: string;
  timeouts: KubeconfigTimeouts | undefined;
}

export const kubeconfigBinding: ResourceBinding<KubeconfigArgs, KubeconfigOutputs> = {
  token: "talos:cluster/kubeconfig:Kubeconfig",
  inputs: {
    node: "required",
    endpoint: "optional",
    clientConfiguration: "required",
    certificateRenewalDuration: "optional",
    timeouts: "optional",
  },
  outputs: {
    certificateRenewalDuration: "required",
    clientConfiguration: "required",
    endpoint: "required",
    kubeconfigRaw: "required",
    kubernetesClientConfiguration: "required",
    node: "required",
    timeouts: "optional",
  },
  secretInputs: [],
  secretOutputs: ["clientConfiguration", "kubeconfigRaw", "kubernetesClientConfiguration"],
  requiredSinceWriteOnlyTwinOmitted: [],
  objectFields: {
    clientConfiguration: clientConfigurationFields,
    kubernetesClientConfiguration: {
      caCertificate: "required",
      clientCertificate: "required",
      clientKey: "required",
      host: "required",
    },
    timeouts: { create: "optional", update: "optional" },
  },
};

/** The cluster-admin kubeconfig, fetched from a control plane once it is bootstrapped. */
export class Kubeconfig extends pulumi.CustomResource implements ResourceOutputs<KubeconfigOutputs> {
  declare readonly certificateRenewalDuration: pulumi.Output<string>;
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly kubeconfigRaw: pulumi.Output<string>;
  declare readonly kubernetesClientConfiguration: pulumi.Output<KubeconfigKubernetesClientConfiguration>;
  declare readonly node: pulumi.Output<string>;
  declare readonly timeouts: pulumi.Output<KubeconfigTimeouts | undefined>;

  constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      kubeconfigBinding.token,
      name,
      resourceInputs(kubeconfigBinding, args),
      talosResourceOptions(opts, kubeconfigBinding.secretOutputs),
    );
  }
}

/** Go duration strings such as `"10m"`. */
export interface GetHealthTimeouts {
  read?: string;
}

export interface GetHealthOutputArgs {
  clientConfiguration: pulumi.Input<ClientConfiguration>;
  controlPlaneNodes: pulumi.Input<pulumi.Input<string>[]>;
  /** Talos API endpoints: the control-plane node addresses, never the VIP. */
  endpoints: pulumi.Input<pulumi.Input<string>[]>;
  workerNodes?: pulumi.Input<pulumi.Input<string>[]>;
  skipKubernetesChecks?: pulumi.Input<boolean>;
  timeouts?: pulumi.Input<GetHealthTimeouts>;
}

export interface GetHealthResult {
  readonly clientConfiguration: ClientConfiguration;
  readonly controlPlaneNodes: string[];
  readonly endpoints: string[];
  readonly id: string;
  readonly skipKubernetesChecks: boolean | undefined;
  readonly timeouts: GetHealthTimeouts | undefined;
  readonly workerNodes: string[] | undefined;
}

export const getHealthBinding: InvokeBinding<GetHealthOutputArgs, GetHealthResult> = {
  token: "talos:cluster/getHealth:getHealth",
  inputs: {
    clientConfiguration: "required",
    controlPlaneNodes: "required",
    endpoints: "required",
    workerNodes: "optional",
    skipKubernetesChecks: "optional",
    timeouts: "optional",
  },
  outputs: {
    clientConfiguration: "required",
    controlPlaneNodes: "required",
    endpoints: "required",
    id: "required",
    skipKubernetesChecks: "optional",
    timeouts: "optional",
    workerNodes: "optional",
  },
  // The result echoes the client key.
  secretResult: true,
  objectFields: { clientConfiguration: clientConfigurationFields, timeouts: { read: "optional" } },
};

/** Waits until the cluster is healthy; fails the update when it does not become so. */
export function getHealthOutput(
  args: GetHealthOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetHealthResult> {
  return invokeTalos(getHealthBinding, args, opts);
}
