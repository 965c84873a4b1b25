import type { ErrorObject } from "ajv";
import * as kubernetesModels from "kubernetes-models";
import { problemsFromAjv, type SchemaProblem } from "./schema-problem";

/** A model class of kubernetes-models: `new Deployment(data).validate()` throws with the ajv errors. */
interface KubernetesModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: object): { validate(): void };
}

let modelsByType: ReadonlyMap<string, KubernetesModelClass> | undefined;

/**
 * Schema problems of a core Kubernetes object, or undefined when kubernetes-models has no model for its
 * apiVersion and kind.
 */
export function coreKindProblems(manifest: Record<string, unknown>): SchemaProblem[] | undefined {
  const Model = kubernetesModelTable().get(`${String(manifest.apiVersion)}/${String(manifest.kind)}`);
  if (!Model) return undefined;
  const model = new Model(manifest);
  try {
    model.validate();
    return [];
  } catch (error) {
    if (!isAjvValidationError(error)) throw error;
    return problemsFromAjv(error.errors, model);
  }
}

/**
 * Every kind kubernetes-models generates, keyed by `apiVersion/kind`. The package exports one namespace per
 * API group (and per version below it); the model classes are the exports that carry a static apiVersion and
 * kind, so the table follows the package instead of a list kept by hand.
 */
function kubernetesModelTable(): ReadonlyMap<string, KubernetesModelClass> {
  if (!modelsByType) {
    const table = new Map<string, KubernetesModelClass>();
    collectModelClasses(kubernetesModels, table);
    modelsByType = table;
  }
  return modelsByType;
}

function collectModelClasses(namespace: object, table: Map<string, KubernetesModelClass>): void {
  for (const exported of Object.values(namespace)) {
    if (isModelClass(exported)) table.set(`${exported.apiVersion}/${exported.kind}`, exported);
    else if (typeof exported === "object" && exported !== null) collectModelClasses(exported, table);
  }
}

function isModelClass(value: unknown): value is KubernetesModelClass {
  return (
    typeof value === "function" &&
    typeof (value as { apiVersion?: unknown }).apiVersion === "string" &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value.prototype as { validate?: unknown }).validate === "function"
  );
}

function isAjvValidationError(error: unknown): error is Error & { errors: ErrorObject[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}
