import * as fs from "fs";
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { problemsFromAjv } from "./schema-problem";

/** The values schemas charts publish, as `<chart>-<chart version>.values.schema.json`. */
export const helmValuesSchemaDirectory = path.resolve(__dirname, "../../vendor/schemas/helm-values");

const ajvClassByDraft: Record<string, new (options: object) => Ajv> = {
  "draft-07": Ajv,
  "2019-09": Ajv2019,
  "2020-12": Ajv2020,
};
const ajvByDraft = new Map<string, Ajv>();
const validators = new Map<string, ValidateFunction>();

/**
 * Validates the values this project passes to a chart against the schema that chart version publishes.
 * Returns undefined when no schema is known for the chart version (callers decide whether that is
 * acceptable), otherwise one line per problem, empty when valid.
 *
 * The values are overrides: Helm validates them merged over the chart's defaults, which are not at hand,
 * so a `required` key left to its default is not a problem here; every key that is set must fit.
 */
export function validateHelmValues(chart: string, version: string, values: unknown): string[] | undefined {
  if (!fs.existsSync(helmValuesSchemaDirectory)) {
    throw new Error(
      `no values schemas at ${helmValuesSchemaDirectory}: vendor/ is incomplete — run npm run vendor`,
    );
  }
  const schemaFile = path.join(helmValuesSchemaDirectory, `${chart}-${version}.values.schema.json`);
  if (!fs.existsSync(schemaFile)) return undefined;
  const validate = validatorFor(schemaFile);
  if (validate(values)) return [];
  const setValueErrors = (validate.errors ?? []).filter((error) => error.keyword !== "required");
  return problemsFromAjv(setValueErrors, values).map(
    (problem) => `${chart} ${version} values: ${problem.path} ${problem.message}`,
  );
}

function validatorFor(schemaFile: string): ValidateFunction {
  let validate = validators.get(schemaFile);
  if (!validate) {
    const { $schema, ...schema } = JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Record<string, unknown>;
    // The draft picks the ajv class; `$schema` itself is dropped because charts spell it loosely
    // (metallb says https://, which is not the id of ajv's draft-07 meta-schema).
    validate = ajvFor(draftOf($schema, schemaFile)).compile(schema);
    validators.set(schemaFile, validate);
  }
  return validate;
}

function draftOf($schema: unknown, schemaFile: string): string {
  const draft = Object.keys(ajvClassByDraft).find((name) => String($schema).includes(`/${name}/`));
  if (!draft) throw new Error(`${schemaFile}: unsupported $schema ${String($schema)}`);
  return draft;
}

function ajvFor(draft: string): Ajv {
  let ajv = ajvByDraft.get(draft);
  if (!ajv) {
    // Helm ignores keywords and formats it does not know (loki's draft-07 schema uses `deprecated`).
    ajv = new ajvClassByDraft[draft]({ allErrors: true, strict: false, logger: false });
    addFormats(ajv);
    ajvByDraft.set(draft, ajv);
  }
  return ajv;
}
