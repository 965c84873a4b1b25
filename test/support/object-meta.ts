import { isRecord, jsonPath, pointerTo, type SchemaProblem } from "./schema-problem";

// What the API server checks in every object's metadata whatever its kind; CRD schemas leave `metadata`
// open (`type: object`) and kubernetes-models checks only its types.

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** What is wrong with a name, if anything. */
type NameRule = (name: string) => string | undefined;

const dnsSubdomainProblem: NameRule = (name) =>
  name.length <= 253 && dnsSubdomain.test(name)
    ? undefined
    : "must be a DNS subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending alphanumeric";

const dnsLabelProblem: NameRule = (name) =>
  name.length <= 63 && dnsLabel.test(name)
    ? undefined
    : "must be a DNS label: at most 63 lowercase letters, digits and '-', starting and ending alphanumeric";

const dns1035LabelProblem: NameRule = (name) =>
  name.length <= 63 && dns1035Label.test(name)
    ? undefined
    : "must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter";

const pathSegmentProblem: NameRule = (name) =>
  name !== "." && name !== ".." && !/[/%]/.test(name)
    ? undefined
    : "must not be '.' or '..' nor contain '/' or '%'";

/** The kinds whose names the API server checks by another rule than a DNS subdomain. */
function nameRuleFor(apiVersion: string, kind: string): NameRule {
  if (apiVersion === "v1" && kind === "Namespace") return dnsLabelProblem;
  if (apiVersion === "v1" && kind === "Service") return dns1035LabelProblem;
  if (apiVersion.startsWith("rbac.authorization.k8s.io/")) return pathSegmentProblem;
  return dnsSubdomainProblem;
}

export function objectMetaProblems(manifest: Record<string, unknown>): SchemaProblem[] {
  const metadata = manifest.metadata;
  const at: PathOf = (...keys) => jsonPath(pointerTo("metadata", ...keys), manifest);
  if (!isRecord(metadata)) return [{ path: at(), message: "is required and must be an object" }];

  const problems: SchemaProblem[] = [];
  const nameProblem =
    typeof metadata.name !== "string" || metadata.name === ""
      ? "is required"
      : nameRuleFor(String(manifest.apiVersion), String(manifest.kind))(metadata.name);
  if (nameProblem) problems.push({ path: at("name"), message: nameProblem });

  if (metadata.namespace !== undefined) {
    const namespaceProblem =
      typeof metadata.namespace === "string" ? dnsLabelProblem(metadata.namespace) : "must be a string";
    if (namespaceProblem) problems.push({ path: at("namespace"), message: namespaceProblem });
  }

  problems.push(...labelProblems(metadata.labels, at), ...annotationKeyProblems(metadata.annotations, at));
  return problems;
}

type PathOf = (...keys: string[]) => string;

function labelProblems(labels: unknown, at: PathOf): SchemaProblem[] {
  if (labels === undefined) return [];
  if (!isRecord(labels)) return [{ path: at("labels"), message: "must be a map of strings" }];
  return Object.entries(labels).flatMap(([key, value]) => {
    const problems: SchemaProblem[] = [];
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) problems.push({ path: at("labels", key), message: `has an invalid key: ${keyProblem}` });
    if (typeof value !== "string" || value.length > 63 || !labelValue.test(value)) {
      problems.push({
        path: at("labels", key),
        message:
          "must be a string of at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric",
      });
    }
    return problems;
  });
}

function annotationKeyProblems(annotations: unknown, at: PathOf): SchemaProblem[] {
  if (annotations === undefined) return [];
  if (!isRecord(annotations)) return [{ path: at("annotations"), message: "must be a map of strings" }];
  return Object.keys(annotations).flatMap((key) => {
    const keyProblem = qualifiedNameProblem(key);
    return keyProblem ? [{ path: at("annotations", key), message: `has an invalid key: ${keyProblem}` }] : [];
  });
}

/** Label and annotation keys: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  const prefixProblem = prefix === undefined ? undefined : dnsSubdomainProblem(prefix);
  if (prefixProblem) return `the prefix ${prefixProblem}`;
  if (name.length > 63 || !qualifiedNamePart.test(name)) {
    return "the name must be at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric";
  }
  return undefined;
}
