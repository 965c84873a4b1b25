import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/**
 * Keys whose value is a credential when it is written out: compared lower-case with "-" and "_"
 * removed, by their ending, so `adminPassword`, `api_token` and `clientSecret` all match.
 */
const secretKeyEndings = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "privatekey",
  "secretkey",
  "accesskey",
  "credential",
  "credentials",
];

/** Keys that end like a credential but name one that lives elsewhere. */
const referenceKeys = /^(existing|ref|use)|(tls|ssl|ca|certs?|certificates?|pull)secrets?$/;

function holdsLiteralSecret(key: string, value: unknown): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, "");
  if (referenceKeys.test(normalized)) return false;
  if (!secretKeyEndings.some((ending) => normalized.endsWith(ending))) return false;
  return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/** A Helm app's values must not carry credentials: the stack file is plain text in Git. */
export function checkSources(inventory: ClusterInventory): Problem[] {
  const problems: Problem[] = [];
  inventory.apps.forEach((app, index) => {
    const values = app.source.helm?.values;
    if (values === undefined) return;
    walk(values, ["apps", index, "source", "helm", "values"], (path, key, value) => {
      if (key === "__proto__") {
        problems.push({
          path,
          message: "is a key no chart reads and JavaScript cannot carry safely — remove it",
        });
      } else if (holdsLiteralSecret(key, value)) {
        problems.push({
          path,
          message:
            "holds a literal secret, and the stack file is plain text in Git — create a Kubernetes Secret in the app's namespace outside Git and point the chart at it (most charts take an existingSecret setting)",
        });
      }
    });
  });
  return problems;
}

function walk(
  value: unknown,
  path: KeyPath,
  visit: (path: KeyPath, key: string, value: unknown) => void,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, index], visit));
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      visit([...path, key], key, child);
      walk(child, [...path, key], visit);
    }
  }
}
