/**
 * YAML for JSON data — the only kind render writes (Kubernetes objects, Helm values, the edge plan):
 * block mappings and sequences, multi-line strings as literal blocks, and every scalar that any YAML
 * 1.1 or 1.2 reader could take for something else in double quotes. No anchors, no aliases, no tags.
 *
 * Written for speed: at thousands of apps, js-yaml's general-purpose dumper spent most of its time
 * choosing a style for each scalar. The property tests read every emitted document back with both
 * `yaml` (1.1 and 1.2) and js-yaml and compare it with its input.
 */

/** Words that some YAML version reads as a boolean or null, compared lower-case. */
const reservedWords = new Set(["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]);

/**
 * A string written as is: starting with a letter, `_` or `/`, then only letters, digits and `_ . / @ -`
 * — so never a number, date, boolean or null in any YAML version, never an indicator or a comment.
 */
const plainText = /^[A-Za-z_/][A-Za-z0-9_./@-]*$/;

/** What some YAML 1.1 readers take for a number even without a digit in front: `_1`, `e5`, `E10`. */
const numberLike = /^[_0-9.]*([eE][-+]?[0-9]+)?$/;

/**
 * A double-quoted scalar: JSON's escapes, plus those of the characters JSON leaves bare that YAML
 * readers such as libyaml (kubectl, Helm) refuse or fold: DEL, the C1 controls, U+2028/2029, BOM.
 */
function quoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function scalarText(value: string): string {
  if (!plainText.test(value)) return quoted(value);
  // The reserved words have at most five letters; a number-like plain text starts with "_", "e" or "E".
  if (value.length <= 5 && reservedWords.has(value.toLowerCase())) return quoted(value);
  if ("_eE".includes(value[0]) && numberLike.test(value)) return quoted(value);
  return value;
}

/**
 * A string for a literal block (`|`): several lines of printable text, not starting with a space or a
 * line break (which would need an indentation indicator) and without carriage returns or other
 * control characters a block cannot hold.
 */
function fitsLiteralBlock(value: string): boolean {
  return (
    value.includes("\n") &&
    !/^[ \n]/.test(value) &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(value) &&
    !/[\ud800-\udfff]/.test(value)
  );
}

function literalBlock(value: string, indent: string): string {
  const trailing = /\n*$/.exec(value)![0].length;
  // `|-` drops the final line break, `|` keeps one, `|+` keeps them all.
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing === 0 ? value : value.slice(0, value.length - trailing);
  const lines = body.split("\n").map((line) => (line === "" ? "" : indent + line));
  return `|${chomp}\n${lines.join("\n")}\n${"\n".repeat(Math.max(0, trailing - 1))}`;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`YAML output cannot hold the number ${value}`);
  if (Number.isSafeInteger(value) || Object.is(value, -0)) return String(value === 0 ? 0 : value);
  const text = JSON.stringify(value);
  // YAML 1.1 reads an exponent only after a decimal point: 1e+21 would be a string there.
  return /e/.test(text) && !text.includes(".") ? text.replace("e", ".0e") : text;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A value after `key:` or `- `: on the same line for scalars and empty collections. */
function inline(value: unknown, indent: string): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      return numberText(value);
    case "string":
      return fitsLiteralBlock(value) ? literalBlock(value, indent) : `${scalarText(value)}\n`;
  }
  if (Array.isArray(value)) return value.length === 0 ? "[]" : undefined;
  if (isMapping(value)) return Object.keys(value).length === 0 ? "{}" : undefined;
  throw new Error(`YAML output cannot hold ${typeof value} values`);
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

function writeMapping(
  mapping: Record<string, unknown>,
  indent: string,
  out: string[],
  firstPrefix: string,
): void {
  let prefix = firstPrefix;
  for (const key of Object.keys(mapping)) {
    const value = mapping[key];
    if (value === undefined) continue;
    // YAML caps an implicit key at 1024 characters; no Kubernetes key comes near.
    if (key.length > 1000) throw new Error(`YAML output cannot hold a key of ${key.length} characters`);
    const head = `${prefix}${scalarText(key)}:`;
    prefix = indent;
    const text = inline(value, `${indent}  `);
    if (text !== undefined) {
      out.push(`${head} ${withNewline(text)}`);
    } else if (Array.isArray(value)) {
      out.push(`${head}\n`);
      writeSequence(value, `${indent}  `, out);
    } else {
      out.push(`${head}\n`);
      writeMapping(value as Record<string, unknown>, `${indent}  `, out, `${indent}  `);
    }
  }
}

function writeSequence(sequence: readonly unknown[], indent: string, out: string[]): void {
  for (const item of sequence) {
    const text = inline(item ?? null, `${indent}  `);
    if (text !== undefined) {
      out.push(`${indent}- ${withNewline(text)}`);
    } else if (Array.isArray(item)) {
      out.push(`${indent}-\n`);
      writeSequence(item, `${indent}  `, out);
    } else {
      writeMapping(item as Record<string, unknown>, `${indent}  `, out, `${indent}- `);
    }
  }
}

/** One YAML document for a JSON value; properties whose value is undefined are left out, as in JSON. */
export function yamlDocument(value: unknown): string {
  const out: string[] = [];
  if (typeof value === "string") return `${quoted(value)}\n`;
  const text = inline(value, "");
  if (text !== undefined) return withNewline(text);
  if (Array.isArray(value)) writeSequence(value, "", out);
  else writeMapping(value as Record<string, unknown>, "", out, "");
  return out.join("");
}
