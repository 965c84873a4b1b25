import type { KeyPath, Problem } from "../problems";
import type { ClusterInventory } from "../schema";

/**
 * Credential names, compared lower-case with "-", "_", "." and spaces removed, by their ending:
 * `adminPassword`, `api_token`, `clientSecret` and `DB_PASSWORD` all match. A bare `key` is not a
 * credential (`adminPasswordKey` names the key inside a Secret); `<kind>Key` is, for these kinds.
 */
const credentialEndings = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "apikey",
  "privatekey",
  "secretkey",
  "accesskey",
  "encryptionkey",
  "authkey",
  "licensekey",
  "signingkey",
  "masterkey",
];

/** Plural credential names (`tokens`, `passwords`): a list of credentials. */
const pluralEndings = credentialEndings.map((ending) => `${ending}s`);

/**
 * A key's words: `existingSecretKey` → existing, secret, key; `DB_PASSWORD` → db, password;
 * `tls-secret` → tls, secret.
 */
function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** Words before "secret" that make it the name of a Secret: tlsSecret, imagePullSecrets, certificatesSecret. */
const secretNameQualifiers = new Set([
  "tls",
  "ssl",
  "ca",
  "cert",
  "certs",
  "certificate",
  "certificates",
  "pull",
]);
/** Words before "secretKey" that make it the key inside a Secret: passwordSecretKey, userSecretKey. */
const secretKeyQualifiers = new Set([
  "password",
  "passwd",
  "passphrase",
  "token",
  "user",
  "username",
  "credential",
  "credentials",
]);

/**
 * Whether a key that ends like a credential names one that lives elsewhere, by whole words:
 * `existingSecret`, `existingSecretKey`, `tlsSecret`, `imagePullSecrets`, `passwordSecretKey`.
 * Keys that end in another word (`secretName`, `passwordSecretRef`, `secretKeyRef`, `valueFrom`,
 * `passwordLength`) are not credentials at all. Prefixes alone never count: `userPassword` and
 * `refreshToken` are credentials.
 */
function isReference(words: readonly string[]): boolean {
  if (words.includes("existing")) return true;
  const last = words.length - 1;
  if (/^secrets?$/.test(words[last]) && last > 0 && secretNameQualifiers.has(words[last - 1])) return true;
  return (
    last >= 2 &&
    words[last] === "key" &&
    words[last - 1] === "secret" &&
    secretKeyQualifiers.has(words[last - 2])
  );
}

type CredentialName = "singular" | "plural" | undefined;

/** Whether a key (or an env variable's name) names a credential, and in which number. */
function credentialName(key: string): CredentialName {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  const singular = credentialEndings.some((ending) => normalized.endsWith(ending));
  const plural = !singular && pluralEndings.some((ending) => normalized.endsWith(ending));
  if ((!singular && !plural) || isReference(wordsOf(key))) return undefined;
  return singular ? "singular" : "plural";
}

/** A value written out in the file: a non-blank string or a number. Booleans and "" are settings. */
const isLiteral = (value: unknown) =>
  (typeof value === "string" && value.trim() !== "") || typeof value === "number";

const isLiteralList = (value: unknown) => Array.isArray(value) && value.some(isLiteral);

function holdsLiteralSecret(key: string, value: unknown): boolean {
  const name = credentialName(key);
  if (name === "singular") return isLiteral(value) || isLiteralList(value);
  // `maxTokens: 4096` is a setting; `tokens: [abc]` is a list of credentials.
  if (name === "plural") return isLiteralList(value);
  return false;
}

/** `{name: DB_PASSWORD, value: hunter2}`: an environment variable written out in the values. */
function literalSecretVariable(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entry = value as Record<string, unknown>;
  if (typeof entry.name !== "string" || !Object.hasOwn(entry, "value")) return undefined;
  return credentialName(entry.name) !== undefined && isLiteral(entry.value) ? entry.name : undefined;
}

const literalSecret =
  "holds a literal secret, and the stack file is plain text in Git — create a Kubernetes Secret in the app's namespace outside Git and point the chart at it (most charts take an existingSecret setting)";

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
        return;
      }
      if (key === "constructor") {
        problems.push({
          path,
          message:
            "is a key cdk8s cannot synthesize in Argo CD's valuesObject (it takes a mapping with its own constructor key for a class instance and fails) — remove it or rename it",
        });
        return;
      }
      if (holdsLiteralSecret(key, value)) {
        problems.push({ path, message: literalSecret });
      }
      const variable = literalSecretVariable(value);
      if (variable !== undefined) {
        problems.push({
          path: [...path, "value"],
          message: `holds a literal secret for ${variable}, and the stack file is plain text in Git — create a Kubernetes Secret in the app's namespace outside Git and take the variable from it with valueFrom.secretKeyRef`,
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
    value.forEach((item, index) => {
      visit([...path, index], String(index), item);
      walk(item, [...path, index], visit);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      visit([...path, key], key, child);
      walk(child, [...path, key], visit);
    }
  }
}
