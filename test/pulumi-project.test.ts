import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..");
const projectSchema = JSON.parse(
  readFileSync(path.resolve(root, "vendor/schemas/pulumi/project.schema.json"), "utf8"),
) as object;

describe("Pulumi.yaml", () => {
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(projectSchema);
  const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;

  it("validates against Pulumi's project schema", () => {
    expect(validate(project) ? [] : validate.errors).toEqual([]);
  });

  it("the schema check rejects a project without a runtime", () => {
    expect(validate({ name: "homelab" })).toBe(false);
  });

  it("names the project homelab, whose prefix the stack config keys use, and runs stacks/", () => {
    expect(project).toMatchObject({ name: "homelab", runtime: { name: "nodejs" }, main: "stacks/" });
  });
});
