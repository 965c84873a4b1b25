import Ajv, { type AnySchemaObject, type ErrorObject } from "ajv";
import type { DataValidationCxt, RegExpEngine } from "ajv/dist/types";
import addFormats from "ajv-formats";

/** An ajv that reads CRD schemas (OpenAPI v3 with Kubernetes extensions) the way the API server does. */
export function createCrdAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // The API server fills in defaults before it validates, so a required field with a default may be omitted.
    useDefaults: true,
    // Structural schemas put `type` on every node but not inside anyOf/allOf branches.
    strictTypes: false,
    code: { regExp: goRegExp, optimize: false },
  });
  // Only the formats CRDs use whose meaning ajv-formats shares with the API server; any other format fails
  // to compile instead of being checked the wrong way (`duration`, for one, is Go's and not ISO 8601's).
  addFormats(ajv, ["date-time", "byte", "int32", "int64", "ipv4", "ipv6"]);
  addKubernetesKeywords(ajv);
  return ajv;
}

/**
 * The API server evaluates `pattern` with Go's RE2, which takes inline flags such as a leading `(?i)`;
 * JavaScript takes them as RegExp flags instead.
 */
const goRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const inlineFlags = /^(\^?)\(\?([ims]+)\)/.exec(pattern);
    if (!inlineFlags) return new RegExp(pattern, flags);
    return new RegExp(inlineFlags[1] + pattern.slice(inlineFlags[0].length), flags + inlineFlags[2]);
  },
  { code: "goRegExp" },
);

function addKubernetesKeywords(ajv: Ajv): void {
  // OpenAPI annotations and instructions to the API server's pruning, merging and CEL machinery. CEL rules
  // (x-kubernetes-validations) are not evaluated here: there is no CEL engine in this project.
  for (const keyword of [
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-map-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-validations",
    "example",
  ]) {
    ajv.addKeyword({ keyword });
  }

  ajv.addKeyword({
    keyword: "x-kubernetes-int-or-string",
    schemaType: "boolean",
    error: { message: "must be an integer or a string" },
    validate: (intOrString: boolean, data: unknown) =>
      !intOrString || typeof data === "string" || Number.isInteger(data),
  });

  ajv.addKeyword({ keyword: "x-kubernetes-list-type", schemaType: "string", validate: listEntriesAreUnique });
}

/** `set` lists hold distinct values and `map` lists distinct keys; the API server rejects duplicates in both. */
function listEntriesAreUnique(
  listType: string,
  list: unknown,
  listSchema?: AnySchemaObject,
  dataContext?: DataValidationCxt,
): boolean {
  listEntriesAreUnique.errors = [];
  if (!Array.isArray(list) || (listType !== "set" && listType !== "map")) return true;
  const mapKeys = (listSchema?.["x-kubernetes-list-map-keys"] ?? []) as string[];
  const identity = (entry: unknown) =>
    JSON.stringify(
      listType === "map" ? mapKeys.map((key) => (entry as Record<string, unknown>)?.[key]) : entry,
    );

  const firstIndexOf = new Map<string, number>();
  list.forEach((entry, index) => {
    const id = identity(entry);
    const first = firstIndexOf.get(id);
    if (first === undefined) {
      firstIndexOf.set(id, index);
      return;
    }
    listEntriesAreUnique.errors.push({
      keyword: "x-kubernetes-list-type",
      instancePath: `${dataContext?.instancePath ?? ""}/${index}`,
      message:
        listType === "map"
          ? `repeats the ${mapKeys.join("/")} of entry ${first} (list-type map keyed by ${mapKeys.join(", ")})`
          : `repeats entry ${first} (list-type set)`,
      params: { listType },
    });
  });
  return listEntriesAreUnique.errors.length === 0;
}
listEntriesAreUnique.errors = [] as Partial<ErrorObject>[];
