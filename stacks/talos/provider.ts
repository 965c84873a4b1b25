import * as pulumi from "@pulumi/pulumi";
import { resourceInputs, type ResourceBinding, type ResourceOutputs } from "./binding";
import { talosResourceOptions } from "./options";

const talosPackage = "talos";

export interface ProviderArgs {
  /** @default "https://factory.talos.dev" */
  imageFactoryUrl?: pulumi.Input<string>;
}

export interface ProviderOutputs {
  imageFactoryUrl: string | undefined;
}

export const providerBinding: ResourceBinding<ProviderArgs, ProviderOutputs> = {
  token: `pulumi:providers:${talosPackage}`,
  inputs: { imageFactoryUrl: "optional" },
  outputs: { imageFactoryUrl: "optional" },
  secretInputs: [],
  secretOutputs: [],
  requiredSinceWriteOnlyTwinOmitted: [],
  objectFields: {},
};

/** An explicit Talos provider, for a different Image Factory than the public one. */
export class Provider extends pulumi.ProviderResource implements ResourceOutputs<ProviderOutputs> {
  declare readonly imageFactoryUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    super(talosPackage, name, resourceInputs(providerBinding, args), talosResourceOptions(opts));
  }
}
