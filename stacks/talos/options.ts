import * as pulumi from "@pulumi/pulumi";
import { pins } from "../../pins";

/**
 * What the engine needs to resolve the `talos` tokens to the pulumiverse plugin. The SDK package
 * would supply these itself; this binding stands in for it, so every resource and invoke carries them.
 */
export const talosPlugin = {
  version: pins.talos.providerVersion,
  pluginDownloadURL: "github://api.github.com/pulumiverse",
} as const;

/** Resource options as the SDK builds them: plugin defaults first, the caller's options over them. */
export function talosResourceOptions(
  opts: pulumi.CustomResourceOptions | undefined,
  secretOutputs: readonly string[] = [],
): pulumi.CustomResourceOptions {
  const merged = pulumi.mergeOptions({ ...talosPlugin }, opts);
  if (secretOutputs.length === 0) {
    return merged;
  }
  return pulumi.mergeOptions(merged, { additionalSecretOutputs: [...secretOutputs] });
}

/** Invoke options as the SDK builds them: plugin defaults first, the caller's options over them. */
export function talosInvokeOptions(opts: pulumi.InvokeOutputOptions | undefined): pulumi.InvokeOutputOptions {
  return { ...talosPlugin, ...opts };
}
