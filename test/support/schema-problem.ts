import type { ErrorObject } from "ajv";

/** One thing wrong with an object, at a JSONPath such as `$.spec.containers[0].image`. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/** Turns ajv errors into problems; `data` is the value that was validated, to tell list indices from map keys. */
export function problemsFromAjv(errors: readonly ErrorObject[], data: unknown): SchemaProblem[] {
  return errors.map((error) => {
    const { pointer, message } = describeAjvError(error);
    return { path: jsonPath(pointer, data), message };
  });
}

/** The JSONPath of a JSON Pointer (`/spec/ports/0` → `$.spec.ports[0]`) within `data`. */
export function jsonPath(pointer: string, data: unknown): string {
  if (pointer === "") return "$";
  let path = "$";
  let node = data;
  for (const segment of pointer.slice(1).split("/")) {
    const key = segment.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) path += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) path += `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

export function pointerTo(...keys: readonly (string | number)[]): string {
  return keys.map((key) => `/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeAjvError(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return {
        pointer: error.instancePath + pointerTo(String(params.additionalProperty)),
        message: "is not a known field (the API server would drop it)",
      };
    case "required":
      return {
        pointer: error.instancePath + pointerTo(String(params.missingProperty)),
        message: "is required",
      };
    case "enum":
      return {
        pointer: error.instancePath,
        message: `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`,
      };
    default:
      return { pointer: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}
