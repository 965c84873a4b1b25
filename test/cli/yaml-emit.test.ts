import fc from "fast-check";
import { load as jsYamlLoad } from "js-yaml";
import { parse } from "yaml";
import { yamlDocument } from "../../cli/yaml-emit";

/** JSON data as render has it: no undefined, no non-finite numbers. */
const jsonData = fc.jsonValue({ maxDepth: 5 });
/** Strings that stress quoting: YAML indicators, reserved words, numbers, dates, line breaks, spaces. */
const trickyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "~",
    "null",
    "true",
    "1.0",
    "010",
    "0x1F",
    "1e3",
    "1_000",
    "2024-04-01",
    "12:30",
    ".inf",
    "-.nan",
    "- item",
    "? key",
    ": value",
    "a: b",
    "a #b",
    "#comment",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick`",
    "'single'",
    '"double"',
    "{a}",
    "[a]",
    "line\nline",
    "line\n",
    "line\n\n",
    "\nleading",
    " leading",
    "trailing ",
    "tab\tinside",
    "a\r\nb",
    "multi\n  indented\n\ttabbed\n",
    "last line spaces\n   ",
    "\u2028",
    "é",
    "10.20.0.11",
    "v1.13.9",
    "e0",
    "E10",
    "_1",
    "_",
    "1:20",
    "0o17",
  ),
);
const trickyData = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    trickyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(trickyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

function readBack(text: string) {
  return {
    yaml12: parse(text, { version: "1.2", uniqueKeys: true }),
    yaml11: parse(text, { version: "1.1", uniqueKeys: true }),
    jsYaml: jsYamlLoad(text),
  };
}

/** What JSON makes of a value: -0 is 0, as it is in YAML. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe("yamlDocument", () => {
  it("reads back as its input with yaml 1.2, yaml 1.1 and js-yaml", () => {
    fc.assert(
      fc.property(fc.oneof(jsonData, trickyData), (value) => {
        const text = yamlDocument(value);
        const expected = asJson(value);
        const { yaml12, yaml11, jsYaml } = readBack(text);
        expect(yaml12).toEqual(expected);
        expect(yaml11).toEqual(expected);
        expect(jsYaml).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("writes block collections, literal blocks and plain names", () => {
    expect(
      yamlDocument({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "alloy", labels: { "app.kubernetes.io/name": "alloy" } },
        data: { "config.alloy": "a {\n  b = 1\n}\n", empty: "" },
        list: [{ port: 80, enabled: true }, "on", 10, null, [], {}],
      }),
    ).toBe(
      [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: alloy",
        "  labels:",
        "    app.kubernetes.io/name: alloy",
        "data:",
        "  config.alloy: |",
        "    a {",
        "      b = 1",
        "    }",
        '  empty: ""',
        "list:",
        "  - port: 80",
        "    enabled: true",
        '  - "on"',
        "  - 10",
        "  - null",
        "  - []",
        "  - {}",
        "",
      ].join("\n"),
    );
  });

  it("never writes anchors, aliases or tags, even for shared objects", () => {
    const shared = { cpu: "10m" };
    const text = yamlDocument({ a: shared, b: shared });
    expect(text).not.toMatch(/[&*!]/);
    expect(parse(text)).toEqual({ a: shared, b: shared });
  });

  it("escapes what JSON leaves bare but libyaml refuses: DEL, C1 controls, line and paragraph separators, BOM", () => {
    const text = yamlDocument({ a: "x\u007fy\u0085z\u2028\u2029\ufeff" });
    expect(text).toBe('a: "x\\u007fy\\u0085z\\u2028\\u2029\\ufeff"\n');
    expect(parse(text)).toEqual({ a: "x\u007fy\u0085z\u2028\u2029\ufeff" });
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029\ufeff]/);
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => yamlDocument({ n: Infinity })).toThrow("cannot hold the number Infinity");
    expect(() => yamlDocument({ f: () => 1 })).toThrow("cannot hold function values");
    expect(() => yamlDocument({ ["k".repeat(1001)]: 1 })).toThrow("cannot hold a key of 1001 characters");
  });
});
