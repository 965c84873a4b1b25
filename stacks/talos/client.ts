import * as pulumi from "@pulumi/pulumi";
import { invokeTalos, type InvokeBinding } from "./binding";
import { clientConfigurationFields, type ClientConfiguration } from "./types";

export interface GetConfigurationOutputArgs {
  clusterName: pulumi.Input<string>;
  clientConfiguration: pulumi.Input<ClientConfiguration>;
  /** Talos API endpoints: the control-plane node addresses, never the VIP (it needs a bootstrapped cluster). */
  endpoints?: pulumi.Input<pulumi.Input<string>[]>;
  nodes?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface GetConfigurationResult {
  readonly clientConfiguration: ClientConfiguration;
  readonly clusterName: string;
  readonly endpoints: string[] | undefined;
  readonly id: string;
  readonly nodes: string[] | undefined;
  /** The talosconfig file contents. */
  readonly talosConfig: string;
}

export const getConfigurationBinding: InvokeBinding<GetConfigurationOutputArgs, GetConfigurationResult> = {
  token: "talos:client/getConfiguration:getConfiguration",
  inputs: {
    clusterName: "required",
    clientConfiguration: "required",
    endpoints: "optional",
    nodes: "optional",
  },
  outputs: {
    clientConfiguration: "required",
    clusterName: "required",
    endpoints: "optional",
    id: "required",
    nodes: "optional",
    talosConfig: "required",
  },
  secretResult: true,
  objectFields: { clientConfiguration: clientConfigurationFields },
};

/** Renders a talosconfig for talosctl from the client credentials. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  return invokeTalos(getConfigurationBinding, args, opts);
}
