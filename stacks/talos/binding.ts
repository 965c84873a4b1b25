import * as pulumi from "@pulumi/pulumi";
import { talosInvokeOptions } from "./options";

/** Whether a property must be given (an input) or is always set (an output). */
export type Presence = "required" | "optional";

/**
 * One entry per property of `T` saying whether `T` requires it. The compiler keeps such a table in
 * step with the interface; the package-schema test compares it with the schema.
 */
export type PropertyPresence<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? "optional" : "required";
};

/** The Output properties a resource class declares for an outputs interface. */
export type ResourceOutputs<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** Field tables of the object types behind some properties, compared one level deep with the schema. */
export type ObjectFields<Name extends string> = Readonly<
  Partial<Record<Name, Readonly<Record<string, Presence>>>>
>;

/** The facts of one bound resource that the package schema can confirm or refute. */
export interface ResourceBinding<Args, Outputs> {
  readonly token: string;
  readonly inputs: PropertyPresence<Args>;
  readonly outputs: PropertyPresence<Outputs>;
  /** Inputs the schema marks secret; sent wrapped in `pulumi.secret`, as the SDK does. */
  readonly secretInputs: readonly (keyof Args & string)[];
  /** Outputs that are secret or hold a secret field; passed as `additionalSecretOutputs`. */
  readonly secretOutputs: readonly (keyof Outputs & string)[];
  /** Inputs the schema leaves optional only because of a write-only `<name>Wo` twin this binding omits. */
  readonly requiredSinceWriteOnlyTwinOmitted: readonly (keyof Args & string)[];
  readonly objectFields: ObjectFields<(keyof Args | keyof Outputs) & string>;
}

/** The facts of one bound invoke that the package schema can confirm or refute. */
export interface InvokeBinding<Args, Result> {
  readonly token: string;
  readonly inputs: PropertyPresence<Args>;
  readonly outputs: PropertyPresence<Result>;
  /** Some output is or holds a secret, so the whole result is wrapped in `pulumi.secret`. */
  readonly secretResult: boolean;
  readonly objectFields: ObjectFields<(keyof Args | keyof Result) & string>;
}

/**
 * The property bag for `CustomResource`: every input by name (secret ones wrapped), and every output
 * as `undefined` so that the SDK creates an Output property for it.
 */
export function resourceInputs<Args extends object, Outputs>(
  binding: ResourceBinding<Args, Outputs>,
  args: Args,
): pulumi.Inputs {
  const secretInputs: readonly string[] = binding.secretInputs;
  const given = args as Record<string, pulumi.Input<unknown> | undefined>;
  const inputs: pulumi.Inputs = {};
  for (const name of Object.keys(binding.inputs)) {
    const value = given[name];
    inputs[name] = value !== undefined && secretInputs.includes(name) ? pulumi.secret(value) : value;
  }
  for (const name of Object.keys(binding.outputs)) {
    if (!(name in inputs)) {
      inputs[name] = undefined;
    }
  }
  return inputs;
}

/** Calls a bound invoke with the plugin defaults, keeping a secret result secret even under mocks. */
export function invokeTalos<Args extends object, Result>(
  binding: InvokeBinding<Args, Result>,
  args: Args,
  opts: pulumi.InvokeOutputOptions | undefined,
): pulumi.Output<Result> {
  const given = args as Record<string, pulumi.Input<unknown> | undefined>;
  const inputs: pulumi.Inputs = {};
  for (const name of Object.keys(binding.inputs)) {
    inputs[name] = given[name];
  }
  const result = pulumi.runtime.invokeOutput<Result>(binding.token, inputs, talosInvokeOptions(opts));
  // Results are plain data, for which Unwrap<Result> is Result itself.
  return binding.secretResult ? (pulumi.secret(result) as pulumi.Output<Result>) : result;
}
