import * as fs from "fs";
import * as path from "path";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { pins } from "../../pins";

const schemaFile = path.resolve(
  __dirname,
  `../../vendor/schemas/talos/talos-${pins.talos.version}-config.schema.json`,
);

interface KindProperty {
  enum?: unknown[];
}

interface TalosConfigSchema {
  $id: string;
  oneOf: { $ref: string }[];
  $defs: Record<string, { properties?: Record<string, KindProperty> }>;
}

/** The `v1alpha1` machine config has no `apiVersion`/`kind`; it is the one branch with a `version` key. */
const machineConfigBranch = "v1alpha1 machine config";

interface Branch {
  label: string;
  validate: ValidateFunction;
}

function loadBranches(): Map<string, Branch> {
  if (!fs.existsSync(schemaFile)) {
    throw new Error(
      `no Talos config schema at ${schemaFile}: vendor/ does not match pins.ts — run npm run vendor`,
    );
  }
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8")) as TalosConfigSchema;
  const ajv = new Ajv2020({
    allErrors: true,
    // Upstream omits `type: object` beside one `additionalProperties`; the check adds nothing here.
    strictTypes: false,
  });
  // Editor annotations in the upstream schema; unknown keywords otherwise fail strict mode.
  ajv.addVocabulary(["markdownDescription", "x-intellij-html-description"]);
  addFormats(ajv);
  ajv.addSchema(schema);

  const branches = new Map<string, Branch>();
  for (const { $ref } of schema.oneOf) {
    const definition = schema.$defs[$ref.replace("#/$defs/", "")];
    const validate = ajv.getSchema(`${schema.$id}${$ref}`);
    if (definition === undefined || validate === undefined) {
      throw new Error(`${schemaFile}: oneOf branch ${$ref} does not resolve`);
    }
    const { apiVersion, kind, version } = definition.properties ?? {};
    if (kind?.enum?.length === 1 && apiVersion?.enum?.length === 1) {
      const label = String(kind.enum[0]);
      branches.set(`${String(apiVersion.enum[0])}/${label}`, { label, validate });
    } else if (version !== undefined && !branches.has(machineConfigBranch)) {
      branches.set(machineConfigBranch, { label: machineConfigBranch, validate });
    } else {
      throw new Error(`${schemaFile}: cannot tell which documents oneOf branch ${$ref} is for`);
    }
  }
  return branches;
}

let branches: Map<string, Branch> | undefined;

function describeError(error: ErrorObject): string {
  const at = error.instancePath === "" ? "/" : error.instancePath;
  switch (error.keyword) {
    case "additionalProperties":
      return `${at}: unknown key "${String(error.params.additionalProperty)}"`;
    case "required":
      return `${at}: missing required key "${String(error.params.missingProperty)}"`;
    case "enum":
      return `${at}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${at}: ${error.message ?? error.keyword}`;
  }
}

function branchOf(doc: Record<string, unknown>): Branch | string {
  const { apiVersion, kind } = doc;
  branches ??= loadBranches();
  if (apiVersion === undefined && kind === undefined) {
    return branches.get(machineConfigBranch) as Branch;
  }
  const key = `${String(apiVersion)}/${String(kind)}`;
  return (
    branches.get(key) ??
    `apiVersion ${JSON.stringify(apiVersion)}, kind ${JSON.stringify(kind)}: no such document kind in ${path.basename(schemaFile)}`
  );
}

/**
 * Validates one Talos config document against the branch of the upstream schema its
 * `apiVersion`/`kind` select (a document with neither is the `v1alpha1` machine config, patches
 * included). Returns one readable line per problem; empty means valid.
 */
export function validateTalosDocument(doc: unknown): string[] {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return [`document is not a mapping: ${JSON.stringify(doc)}`];
  }
  const branch = branchOf(doc as Record<string, unknown>);
  if (typeof branch === "string") {
    return [branch];
  }
  if (branch.validate(doc)) {
    return [];
  }
  return (branch.validate.errors ?? []).map((error) => `${branch.label} ${describeError(error)}`);
}

/** Validates every document of a config patch as given to `configPatches` (YAML, possibly multi-document). */
export function validateTalosPatch(patch: string): string[] {
  return parseAllDocuments(patch).flatMap((document, index) => {
    const where = `document ${index + 1}`;
    if (document.errors.length > 0) {
      return document.errors.map((error) => `${where}: ${error.message}`);
    }
    return validateTalosDocument(document.toJS()).map((problem) => `${where}: ${problem}`);
  });
}
