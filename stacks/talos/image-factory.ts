import * as pulumi from "@pulumi/pulumi";
import {
  invokeTalos,
  resourceInputs,
  type InvokeBinding,
  type ResourceBinding,
  type ResourceOutputs,
} from "./binding";
import { talosResourceOptions } from "./options";

export interface SchematicArgs {
  /** The schematic as YAML (`customization.systemExtensions.officialExtensions: [...]`). */
  schematic?: pulumi.Input<string>;
}

export interface SchematicOutputs {
  schematic: string | undefined;
}

export const schematicBinding: ResourceBinding<SchematicArgs, SchematicOutputs> = {
  token: "talos:imageFactory/schematic:Schematic",
  inputs: { schematic: "optional" },
  outputs: { schematic: "optional" },
  secretInputs: [],
  secretOutputs: [],
  requiredSinceWriteOnlyTwinOmitted: [],
  objectFields: {},
};

/** A schematic registered with the Image Factory; the resource `id` is the schematic ID. */
export class Schematic extends pulumi.CustomResource implements ResourceOutputs<SchematicOutputs> {
  declare readonly schematic: pulumi.Output<string | undefined>;

  constructor(name: string, args: SchematicArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(schematicBinding.token, name, resourceInputs(schematicBinding, args), talosResourceOptions(opts));
  }
}

/** Where the Image Factory serves each artefact of one schematic and Talos version. */
export interface GetUrlsUrls {
  diskImage: string;
  diskImageSecureboot: string;
  initramfs: string;
  installer: string;
  installerSecureboot: string;
  iso: string;
  isoSecureboot: string;
  kernel: string;
  kernelCommandLine: string;
  pxe: string;
  uki: string;
}

export interface GetUrlsOutputArgs {
  /** The Talos version to install, e.g. `v1.13.9`. */
  talosVersion: pulumi.Input<string>;
  schematicId: pulumi.Input<string>;
  /** `metal` for bare metal, `nocloud` for Proxmox VMs configured by cloud-init. */
  platform?: pulumi.Input<string>;
  architecture?: pulumi.Input<string>;
  /** A single-board computer instead of a platform. */
  sbc?: pulumi.Input<string>;
}

export interface GetUrlsResult {
  readonly architecture: string;
  readonly id: string;
  readonly platform: string | undefined;
  readonly sbc: string | undefined;
  readonly schematicId: string;
  readonly talosVersion: string;
  readonly urls: GetUrlsUrls;
}

export const getUrlsBinding: InvokeBinding<GetUrlsOutputArgs, GetUrlsResult> = {
  token: "talos:imageFactory/getUrls:getUrls",
  inputs: {
    talosVersion: "required",
    schematicId: "required",
    platform: "optional",
    architecture: "optional",
    sbc: "optional",
  },
  outputs: {
    architecture: "required",
    id: "required",
    platform: "optional",
    sbc: "optional",
    schematicId: "required",
    talosVersion: "required",
    urls: "required",
  },
  secretResult: false,
  objectFields: {
    urls: {
      diskImage: "required",
      diskImageSecureboot: "required",
      initramfs: "required",
      installer: "required",
      installerSecureboot: "required",
      iso: "required",
      isoSecureboot: "required",
      kernel: "required",
      kernelCommandLine: "required",
      pxe: "required",
      uki: "required",
    },
  },
};

/** The installer image and boot media URLs for a schematic. */
export function getUrlsOutput(
  args: GetUrlsOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetUrlsResult> {
  return invokeTalos(getUrlsBinding, args, opts);
}
