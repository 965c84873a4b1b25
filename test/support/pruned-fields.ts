import type { JsonSchema } from "./crd-catalog";

/**
 * A copy of a CRD version's schema that rejects every field the API server would prune. CRD schemas
 * rarely say `additionalProperties: false`, yet the API server drops (or, with strict field validation,
 * refuses) any field its structural schema does not declare, so a misspelt field would otherwise vanish
 * silently on apply.
 */
export function rejectingPrunedFields(rootSchema: JsonSchema): JsonSchema {
  const closed = closeObject(rootSchema, true);
  // The API server always takes these at the root, whether or not the schema declares them.
  if (closed.additionalProperties === false) {
    closed.properties = {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      ...(closed.properties as Record<string, JsonSchema> | undefined),
    };
  }
  return closed;
}

function closeObject(schema: JsonSchema, isRoot: boolean): JsonSchema {
  const closed: JsonSchema = { ...schema };
  if (schema.properties) {
    closed.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, JsonSchema>).map(([field, fieldSchema]) => [
        field,
        // ObjectMeta is the API server's own business (see object-meta.ts), not the CRD's.
        isRoot && field === "metadata" ? fieldSchema : closeObject(fieldSchema, false),
      ]),
    );
  }
  if (isSchema(schema.items)) closed.items = closeObject(schema.items, false);
  if (isSchema(schema.additionalProperties)) {
    closed.additionalProperties = closeObject(schema.additionalProperties, false);
  }
  // allOf/anyOf/oneOf/not are left open: in a structural schema they may only restrict declared fields.
  const prunes =
    (schema.type === "object" || schema.properties !== undefined) &&
    schema.additionalProperties === undefined &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true &&
    schema["x-kubernetes-embedded-resource"] !== true;
  if (prunes) closed.additionalProperties = false;
  return closed;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
