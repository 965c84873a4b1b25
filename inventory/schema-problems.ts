import type { z } from "zod";
import { describeValue } from "./formats";
import type { KeyPath, Problem } from "./problems";

/** Zod's issues, reworded as `<what is wrong> — <what is allowed>` with the key path kept apart. */
export function schemaProblems(error: z.ZodError): Problem[] {
  const issues = error.issues as z.core.$ZodIssue[];
  const pathKey = (issue: z.core.$ZodIssue) => JSON.stringify(issue.path.map(String));
  const perPath = new Map<string, number>();
  issues.forEach((issue) => perPath.set(pathKey(issue), (perPath.get(pathKey(issue)) ?? 0) + 1));
  // A whole number beyond 2^53 breaks both the safe-integer range of z.int() and the key's own
  // bound: the key's own bound is the one worth reading.
  const meaningful = issues.filter(
    (issue) => !(isSafeIntegerBound(issue) && perPath.get(pathKey(issue))! > 1),
  );
  // One line per key: the first problem found at a path is the one to fix first.
  const seen = new Set<string>();
  return meaningful
    .flatMap((issue) => problemsOf(issue))
    .filter((problem) => {
      const key = JSON.stringify(problem.path.map(String));
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function isSafeIntegerBound(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "too_big") return Math.abs(Number(issue.maximum)) === Number.MAX_SAFE_INTEGER;
  if (issue.code === "too_small") return Math.abs(Number(issue.minimum)) === Number.MAX_SAFE_INTEGER;
  return false;
}

const expectedNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys to values",
  record: "a mapping of keys to values",
};

function problemsOf(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
  const at = (message: string, where: KeyPath = path): Problem[] => [{ path: where, message }];
  switch (issue.code) {
    case "invalid_type": {
      const expected = expectedNames[issue.expected] ?? issue.expected;
      // A format of the inventory words its own message; zod's own begin "Invalid input".
      if (!issue.message.startsWith("Invalid input")) return at(issue.message);
      if (issue.input === undefined) return at(`is required — ${expected}`);
      const hint =
        issue.expected === "string" && typeof issue.input !== "object" ? " — put it in quotes" : "";
      return at(`must be ${expected}, not ${describeValue(issue.input)}${hint}`);
    }
    case "unrecognized_keys":
      // The strict objects of the schema put their allowed keys in the message.
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown key — allowed here: ${issue.message}`,
      }));
    case "invalid_value":
      if (issue.input === undefined)
        return at(`is required — one of: ${issue.values.map((value) => String(value)).join(", ")}`);
      return at(
        `${describeValue(issue.input)} is not allowed — use one of: ${issue.values.map((value) => String(value)).join(", ")}`,
      );
    case "too_small":
      return at(tooSmall(issue));
    case "too_big":
      return at(tooBig(issue));
    default:
      return at(issue.message);
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  switch (issue.origin) {
    case "array":
      return `needs at least ${minimum} ${minimum === 1 ? "entry" : "entries"}`;
    case "string":
      return minimum === 1 ? "must not be empty" : `must have at least ${minimum} characters`;
    default:
      return `${describeValue(issue.input)} is too small — the least allowed is ${minimum}`;
  }
}

function tooBig(issue: z.core.$ZodIssueTooBig): string {
  const maximum = Number(issue.maximum);
  switch (issue.origin) {
    case "array":
      return `has too many entries — at most ${maximum}`;
    case "string":
      return `is too long — at most ${maximum} characters`;
    default:
      return `${describeValue(issue.input)} is too large — the most allowed is ${maximum}`;
  }
}
