import * as fs from "fs";
import * as path from "path";
import { pins } from "../../pins";
import * as talos from "../../stacks/talos";
import type { Presence } from "../../stacks/talos/binding";

// The package schema, as far as these tests read it.

interface SchemaProperty {
  $ref?: string;
  secret?: boolean;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
}
type SchemaProperties = Record<string, SchemaProperty>;

interface SchemaObjectType {
  properties?: SchemaProperties;
  required?: string[];
  language?: { nodejs?: { requiredOutputs?: string[] } };
}

interface SchemaResource {
  properties?: SchemaProperties;
  required?: string[];
  inputProperties?: SchemaProperties;
  requiredInputs?: string[];
}

interface PackageSchema {
  provider: SchemaResource;
  resources: Record<string, SchemaResource>;
  functions: Record<string, { inputs: SchemaObjectType; outputs: SchemaObjectType }>;
  types: Record<string, SchemaObjectType>;
}

const packageSchema = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      `../../vendor/schemas/pulumi/talos-provider-v${pins.talos.providerVersion}.schema.json`,
    ),
    "utf8",
  ),
) as PackageSchema;

// The generated `talos:machine/generated:*` types refer to each other as `#types/...`, without the slash.
function schemaType(ref: string): SchemaObjectType {
  const name = /^#\/?types\/(.+)$/.exec(ref)?.[1];
  const type = name === undefined ? undefined : packageSchema.types[name];
  if (type === undefined) {
    throw new Error(`package schema: unresolvable $ref ${ref}`);
  }
  return type;
}

function holdsSecret(property: SchemaProperty, seen = new Set<string>()): boolean {
  if (property.secret) {
    return true;
  }
  if (property.items) {
    return holdsSecret(property.items, seen);
  }
  if (property.additionalProperties) {
    return holdsSecret(property.additionalProperties, seen);
  }
  if (property.$ref === undefined || property.$ref.startsWith("pulumi.json#") || seen.has(property.$ref)) {
    return false;
  }
  seen.add(property.$ref);
  return Object.values(schemaType(property.$ref).properties ?? {}).some((field) => holdsSecret(field, seen));
}

/** Field presence of an object type: inputs follow `required`, outputs may use the SDK's `requiredOutputs`. */
function fieldPresence(ref: string, asInput: boolean): Record<string, Presence> {
  const type = schemaType(ref);
  const required = type.required ?? (asInput ? [] : (type.language?.nodejs?.requiredOutputs ?? []));
  return Object.fromEntries(
    Object.keys(type.properties ?? {}).map((field) => [
      field,
      required.includes(field) ? "required" : "optional",
    ]),
  );
}

function objectFieldsOf(
  inputs: SchemaProperties,
  outputs: SchemaProperties,
  bound: readonly string[],
): Record<string, Record<string, Presence>> {
  const fields: Record<string, Record<string, Presence>> = {};
  for (const name of bound) {
    const asInput = name in inputs;
    const ref = (asInput ? inputs[name] : outputs[name])?.$ref;
    if (ref !== undefined) {
      fields[name] = fieldPresence(ref, asInput);
    }
  }
  return fields;
}

/** `fooWo` is the write-only twin of input `foo`; the binding leaves such twins out. */
function isWriteOnlyTwin(name: string, inputs: SchemaProperties): boolean {
  return name.endsWith("Wo") && name.slice(0, -2) in inputs;
}

function named(presence: Readonly<Record<string, Presence>>, wanted?: Presence): string[] {
  return Object.entries(presence)
    .filter(([, actual]) => wanted === undefined || actual === wanted)
    .map(([name]) => name)
    .sort();
}

const sorted = (names: readonly string[]): string[] => [...names].sort();

// The binding, as runtime data.

interface BoundResource {
  token: string;
  inputs: Readonly<Record<string, Presence>>;
  outputs: Readonly<Record<string, Presence>>;
  secretInputs: readonly string[];
  secretOutputs: readonly string[];
  requiredSinceWriteOnlyTwinOmitted: readonly string[];
  objectFields: Readonly<Record<string, Readonly<Record<string, Presence>> | undefined>>;
}

interface BoundInvoke {
  token: string;
  inputs: Readonly<Record<string, Presence>>;
  outputs: Readonly<Record<string, Presence>>;
  secretResult: boolean;
  objectFields: Readonly<Record<string, Readonly<Record<string, Presence>> | undefined>>;
}

const boundResources: readonly BoundResource[] = talos.talosBindings.resources;
const boundInvokes: readonly BoundInvoke[] = talos.talosBindings.invokes;

function schemaResource(token: string): SchemaResource | undefined {
  return token === "pulumi:providers:talos" ? packageSchema.provider : packageSchema.resources[token];
}

describe.each(boundResources.map((bound) => [bound.token, bound] as const))(
  "resource %s against the package schema",
  (token, bound) => {
    const schema = schemaResource(token) ?? {};
    const inputs = schema.inputProperties ?? {};
    const outputs = schema.properties ?? {};
    const exposed = [...new Set([...named(bound.inputs), ...named(bound.outputs)])];

    it("is a token of the schema", () => {
      expect(schemaResource(token)).toBeDefined();
    });

    it("binds every schema input by name, leaving out only the write-only twins", () => {
      expect(named(bound.inputs).filter((name) => !(name in inputs))).toEqual([]);
      expect(
        Object.keys(inputs).filter((name) => !(name in bound.inputs) && !isWriteOnlyTwin(name, inputs)),
      ).toEqual([]);
    });

    it("requires what the schema requires, and the partner of each omitted write-only twin", () => {
      for (const name of bound.requiredSinceWriteOnlyTwinOmitted) {
        expect(inputs).toHaveProperty(`${name}Wo`);
      }
      expect(named(bound.inputs, "required")).toEqual(
        sorted([...(schema.requiredInputs ?? []), ...bound.requiredSinceWriteOnlyTwinOmitted]),
      );
    });

    it("declares every schema output by name, optional where the schema does not require it", () => {
      expect(named(bound.outputs)).toEqual(
        sorted(Object.keys(outputs).filter((name) => !isWriteOnlyTwin(name, inputs))),
      );
      expect(named(bound.outputs, "required")).toEqual(sorted(schema.required ?? []));
    });

    it("sends the inputs the schema marks secret as secrets", () => {
      expect(sorted(bound.secretInputs)).toEqual(named(bound.inputs).filter((name) => inputs[name]?.secret));
    });

    it("passes every output that is or holds a secret as an additional secret output", () => {
      const secretBearing = named(bound.outputs).filter((name) => holdsSecret(outputs[name] ?? {}));
      expect(sorted(bound.secretOutputs)).toEqual(secretBearing);
    });

    it("types object-valued properties with the fields of their schema types", () => {
      expect(bound.objectFields).toEqual(objectFieldsOf(inputs, outputs, exposed));
    });
  },
);

describe.each(boundInvokes.map((bound) => [bound.token, bound] as const))(
  "invoke %s against the package schema",
  (token, bound) => {
    const schema = packageSchema.functions[token];
    const inputs = schema?.inputs.properties ?? {};
    const outputs = schema?.outputs.properties ?? {};

    it("is a token of the schema", () => {
      expect(schema).toBeDefined();
    });

    it("binds every schema input by name and requires what the schema requires", () => {
      expect(named(bound.inputs)).toEqual(sorted(Object.keys(inputs)));
      expect(named(bound.inputs, "required")).toEqual(sorted(schema?.inputs.required ?? []));
    });

    it("declares every schema output by name, optional where the schema does not require it", () => {
      expect(named(bound.outputs)).toEqual(sorted(Object.keys(outputs)));
      expect(named(bound.outputs, "required")).toEqual(sorted(schema?.outputs.required ?? []));
    });

    it("wraps the result as a secret exactly when some output is or holds a secret", () => {
      const secretBearing = named(bound.outputs).filter((name) => holdsSecret(outputs[name] ?? {}));
      expect(bound.secretResult).toBe(secretBearing.length > 0);
    });

    it("types object-valued properties with the fields of their schema types", () => {
      const exposed = [...new Set([...named(bound.inputs), ...named(bound.outputs)])];
      expect(bound.objectFields).toEqual(objectFieldsOf(inputs, outputs, exposed));
    });
  },
);

describe("plugin options", () => {
  const plugin = {
    version: pins.talos.providerVersion,
    pluginDownloadURL: "github://api.github.com/pulumiverse",
  };

  it("take the provider version from the pins", () => {
    expect(talos.talosPlugin).toEqual(plugin);
  });

  it("add the plugin to a resource's options, keep the caller's and merge secret outputs", () => {
    expect(
      talos.talosResourceOptions({ protect: true, additionalSecretOutputs: ["node"] }, ["kubeconfigRaw"]),
    ).toEqual({ ...plugin, protect: true, additionalSecretOutputs: ["node", "kubeconfigRaw"] });
  });

  it("add the plugin to an invoke's options", () => {
    expect(talos.talosInvokeOptions(undefined)).toEqual(plugin);
  });
});
