import { coreKindProblems } from "./core-kinds";
import { customResourceProblems } from "./custom-resources";
import { objectMetaProblems } from "./object-meta";
import { isRecord } from "./schema-problem";

/**
 * Validates one Kubernetes object against its upstream schema: kubernetes-models for core kinds, the CRDs
 * vendored in vendor/schemas/crds for custom resources, plus the metadata rules the API server applies to all.
 * Returns one readable line per problem, each naming the object and the JSONPath; empty when valid.
 * An object whose apiVersion and kind match no known schema is a problem, never a skip.
 */
export function validateManifest(manifest: unknown): string[] {
  if (!isRecord(manifest)) return [`not a Kubernetes object: ${JSON.stringify(manifest)}`];
  const subject = describeObject(manifest);
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
    return [`${subject}: apiVersion and kind are required`];
  }

  const schemaProblems = coreKindProblems(manifest) ?? customResourceProblems(manifest);
  if (!schemaProblems) return [`${subject}: no schema known for ${apiVersion}/${kind}`];
  return [...schemaProblems, ...objectMetaProblems(manifest)].map(
    (problem) => `${subject}: ${problem.path} ${problem.message}`,
  );
}

/** `Deployment/web in apps`, as far as the object says. */
function describeObject(manifest: Record<string, unknown>): string {
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  const kind = typeof manifest.kind === "string" && manifest.kind !== "" ? manifest.kind : "<no kind>";
  const name = typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : "<no name>";
  return typeof metadata.namespace === "string"
    ? `${kind}/${name} in ${metadata.namespace}`
    : `${kind}/${name}`;
}
