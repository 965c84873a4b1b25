import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { runRender } from "../../cli/render-command";

/**
 * Whatever bytes the inventory file holds, `render` answers through its own CLI entry with exit 1
 * and lines naming the file, or renders (exit 0): it never throws and writes nothing on exit 1.
 */
const root = path.resolve(__dirname, "../..");
const validStack = readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8");
const validInventory = readFileSync(path.join(root, "test/fixtures/valid/minimal-single-node.yaml"), "utf8");

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "render-fuzz-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let run = 0;
function renderBytes(bytes: Uint8Array): void {
  run += 1;
  const file = path.join(scratch, `input-${run}.yaml`);
  const out = path.join(scratch, `out-${run}`);
  writeFileSync(file, bytes);
  const stderr: string[] = [];
  const code = runRender(["--inventory", file, "--out", out], {
    cwd: scratch,
    stdout: () => undefined,
    stderr: (line) => stderr.push(line),
  });
  const shown = file;
  if (code === 0) {
    expect(readdirSync(out).length).toBe(1);
  } else {
    expect({ code, named: stderr.some((line) => line.startsWith(`${shown}: `)) }).toEqual({
      code: 1,
      named: true,
    });
    expect(stderr.filter((line) => !line.startsWith(`${shown}: `) && !line.startsWith("render: "))).toEqual(
      [],
    );
    expect(readdirSync(scratch)).not.toContain(`out-${run}`);
  }
  rmSync(file);
  rmSync(out, { recursive: true, force: true });
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Ways a valid file goes wrong by hand: cut short, a stray character, an alias, a key twice. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.constantFrom(
      "\u0000",
      "\u0007",
      "\t",
      "\uFEFF",
      "\r",
      ":",
      "- ",
      "&a ",
      "*a",
      "*b ",
      "[",
      "{",
      '"',
      "'",
      "---\n",
      "!!binary ",
      "? ",
      "\n  ",
      "1e400",
      "<<: *a\n",
    ),
  }),
  fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("delete-line" as const), at: fc.nat() }),
);

function mutate(text: string, mutations: readonly { kind: string; at: number; text?: string }[]): string {
  return mutations.reduce((current, { kind, at, text }) => {
    const lines = current.split("\n");
    const index = lines.length === 0 ? 0 : at % lines.length;
    switch (kind) {
      case "truncate":
        return current.slice(0, at % (current.length + 1));
      case "insert": {
        const offset = at % (current.length + 1);
        return current.slice(0, offset) + (text ?? "") + current.slice(offset);
      }
      case "duplicate-line":
        return [...lines.slice(0, index + 1), lines[index], ...lines.slice(index + 1)].join("\n");
      default:
        return [...lines.slice(0, index), ...lines.slice(index + 1)].join("\n");
    }
  }, text);
}

const yamlish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, 0, -1, Infinity, 1e20, 0.5, "", "lab", "10.0.0.1", "*", "&"),
    fc.string(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom(
        "name",
        "domain",
        "network",
        "nodes",
        "apps",
        "config",
        "homelab:cluster",
        "host",
        "port",
        "x",
      ),
      tie("value"),
      { maxKeys: 5 },
    ),
  ),
})).value;

const settings = { numRuns: 60, seed: 20261201 };

describe("render through its CLI entry, whatever the inventory file holds", () => {
  it("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), renderBytes), settings);
  });

  it("random strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => renderBytes(utf8(text))),
      settings,
    );
  });

  it("random YAML-ish structures", () => {
    fc.assert(
      fc.property(yamlish, (value) => renderBytes(utf8(stringify(value)))),
      settings,
    );
  });

  it("mutations of a valid stack file and a valid inventory", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(validStack, validInventory),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (text, mutations) => renderBytes(utf8(mutate(text, mutations))),
      ),
      { ...settings, numRuns: 40 },
    );
  });
});
