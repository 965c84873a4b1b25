import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { isRecord } from "./schema-problem";

/** The upstream CRDs, vendored into the project (vendor/README.md names their sources). */
export const crdDirectory = path.resolve(__dirname, "../../vendor/schemas/crds");

export type JsonSchema = Record<string, unknown>;

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly schema: JsonSchema | undefined;
}

export interface CustomResourceDefinition {
  readonly group: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly versions: readonly CrdVersion[];
  readonly file: string;
}

interface CrdFile {
  readonly file: string;
  readonly text: string;
  parsed: boolean;
}

let crdFiles: CrdFile[] | undefined;
const definitionsByKind = new Map<string, CustomResourceDefinition>();

/** The CRD of `kind` in API group `group`, or undefined when no file under crdDirectory defines it. */
export function findCustomResourceDefinition(
  group: string,
  kind: string,
): CustomResourceDefinition | undefined {
  const key = `${kind}.${group}`;
  if (!definitionsByKind.has(key)) {
    for (const crdFile of filesThatMayDefine(group, kind)) {
      parseCrdFile(crdFile);
      if (definitionsByKind.has(key)) break;
    }
  }
  return definitionsByKind.get(key);
}

/**
 * Reading the files is cheap but parsing megabytes of YAML is not, so only files that mention both names are
 * parsed, those with a `kind: <kind>` line first.
 */
function filesThatMayDefine(group: string, kind: string): CrdFile[] {
  const mentioning = loadCrdFiles().filter(
    (crdFile) => !crdFile.parsed && crdFile.text.includes(group) && crdFile.text.includes(kind),
  );
  const namesKind = (crdFile: CrdFile) => (crdFile.text.includes(`kind: ${kind}\n`) ? 0 : 1);
  return mentioning.sort((a, b) => namesKind(a) - namesKind(b));
}

function loadCrdFiles(): CrdFile[] {
  if (!crdFiles) {
    if (!fs.existsSync(crdDirectory)) {
      throw new Error(`no CRDs at ${crdDirectory}: vendor/schemas/crds is missing — run npm run vendor`);
    }
    crdFiles = yamlFilesUnder(crdDirectory).map((file) => ({
      file,
      text: fs.readFileSync(file, "utf8"),
      parsed: false,
    }));
  }
  return crdFiles;
}

function yamlFilesUnder(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const entryPath = path.join(directory, entry.name);
      if (entry.isDirectory()) return yamlFilesUnder(entryPath);
      return /\.ya?ml$/.test(entry.name) ? [entryPath] : [];
    });
}

function parseCrdFile(crdFile: CrdFile): void {
  crdFile.parsed = true;
  for (const document of parseAllDocuments(crdFile.text)) {
    if (document.errors.length > 0) {
      throw new Error(`${crdFile.file}: ${document.errors.map((error) => error.message).join("; ")}`);
    }
    const manifest: unknown = document.toJS();
    if (!isRecord(manifest) || manifest.kind !== "CustomResourceDefinition") continue;
    const crd = customResourceDefinition(manifest, crdFile.file);
    const key = `${crd.kind}.${crd.group}`;
    const earlier = definitionsByKind.get(key);
    if (earlier) throw new Error(`${key} is defined twice: in ${earlier.file} and in ${crd.file}`);
    definitionsByKind.set(key, crd);
  }
}

function customResourceDefinition(manifest: Record<string, unknown>, file: string): CustomResourceDefinition {
  const spec = manifest.spec as {
    group: string;
    names: { kind: string };
    scope: "Namespaced" | "Cluster";
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: JsonSchema } }[];
  };
  return {
    group: spec.group,
    kind: spec.names.kind,
    namespaced: spec.scope === "Namespaced",
    versions: spec.versions.map((version) => ({
      name: version.name,
      served: version.served === true,
      schema: version.schema?.openAPIV3Schema,
    })),
    file,
  };
}
