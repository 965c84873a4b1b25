import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import { type CrdVersion, type CustomResourceDefinition, findCustomResourceDefinition } from "./crd-catalog";
import { createCrdAjv } from "./kubernetes-ajv";
import { rejectingPrunedFields } from "./pruned-fields";
import { jsonPath, problemsFromAjv, type SchemaProblem } from "./schema-problem";

let crdAjv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * Schema problems of a custom resource, or undefined when no CRD defines its kind in its API group.
 * Validates against the `openAPIV3Schema` of the version its apiVersion names, which the CRD must serve.
 */
export function customResourceProblems(manifest: Record<string, unknown>): SchemaProblem[] | undefined {
  const apiVersion = String(manifest.apiVersion);
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return undefined;
  const group = apiVersion.slice(0, slash);
  const versionName = apiVersion.slice(slash + 1);
  const crd = findCustomResourceDefinition(group, String(manifest.kind));
  if (!crd) return undefined;

  const version = crd.versions.find((candidate) => candidate.name === versionName);
  if (!version?.served) {
    const served = crd.versions.filter((candidate) => candidate.served).map((candidate) => candidate.name);
    const status = version ? "is no longer served" : "does not exist";
    return [
      {
        path: "$.apiVersion",
        message: `${apiVersion} ${status} for ${crd.kind} (served: ${served.join(", ")})`,
      },
    ];
  }

  // Validated as a copy because ajv fills in defaults, as the API server does before validating.
  const defaulted = structuredClone(manifest);
  const validate = validatorFor(crd, version);
  const problems = validate(defaulted) ? [] : problemsFromAjv(validate.errors ?? [], defaulted);
  const metadata = manifest.metadata as { namespace?: unknown } | undefined;
  if (!crd.namespaced && metadata?.namespace !== undefined) {
    problems.push({
      path: jsonPath("/metadata/namespace", manifest),
      message: `must not be set: ${crd.kind} is cluster-scoped`,
    });
  }
  return problems;
}

/** Compiling the larger CRDs takes a second or more, so each version's schema is compiled once, when first used. */
function validatorFor(crd: CustomResourceDefinition, version: CrdVersion): ValidateFunction {
  const key = `${crd.kind}.${crd.group}/${version.name}`;
  let validate = validators.get(key);
  if (!validate) {
    if (!version.schema) throw new Error(`${crd.file}: ${key} has no openAPIV3Schema`);
    crdAjv ??= createCrdAjv();
    try {
      validate = crdAjv.compile(rejectingPrunedFields(version.schema));
    } catch (error) {
      throw new Error(`${crd.file}: cannot compile the schema of ${key}: ${(error as Error).message}`);
    }
    validators.set(key, validate);
  }
  return validate;
}
