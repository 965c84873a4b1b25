import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readdirSync } from "node:fs";
import { parse } from "yaml";
import { InventoryError, loadInventoryFile, parseInventory, parseInventoryText } from "../../inventory";

/** Inputs that cannot live as text fixtures: binary, NUL bytes, invalid UTF-8, a BOM. */
const valid = readFileSync(path.resolve(__dirname, "../fixtures/valid/minimal-single-node.yaml"));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "yaml-input-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(bytes: Uint8Array): string[] {
  const file = path.join(scratch, "input.yaml");
  writeFileSync(file, bytes);
  try {
    loadInventoryFile(file, "input.yaml");
  } catch (error) {
    if (error instanceof InventoryError) return error.lines;
    throw error;
  }
  return [];
}

const text = (value: string) => Buffer.from(value, "utf8");

describe("inventory files that are not YAML text", () => {
  it("accepts the valid file these cases start from, also with Windows line ends", () => {
    expect(problemsOf(valid)).toEqual([]);
    expect(problemsOf(text(valid.toString("utf8").replace(/\n/g, "\r\n")))).toEqual([]);
  });

  it.each([
    [
      "a byte-order mark",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), valid]),
      "input.yaml: line 1, column 1: starts with a byte-order mark (U+FEFF) — save the file as UTF-8 without a BOM",
    ],
    [
      "a NUL byte",
      text("name: lab\u0000\n"),
      "input.yaml: line 1, column 10: contains a NUL byte (U+0000) — an inventory is text: printable characters, tabs and line breaks only; is this the right file?",
    ],
    [
      "a control character",
      text("name: lab\ndomain: exa\u001bmple.com\n"),
      "input.yaml: line 2, column 12: contains the control character U+001B — an inventory is text: printable characters, tabs and line breaks only; is this the right file?",
    ],
    [
      "invalid UTF-8 (Latin-1 text)",
      Buffer.from("name: lab\ndomain: caf\xe9.example.com\n", "latin1"),
      "input.yaml: line 2, column 12: is not UTF-8 text (byte 0xE9) — an inventory is a YAML text file saved as UTF-8; is this the right file?",
    ],
    [
      "binary data (a PNG header)",
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
      "input.yaml: line 1, column 1: is not UTF-8 text (byte 0x89) — an inventory is a YAML text file saved as UTF-8; is this the right file?",
    ],
    [
      "UTF-16 text",
      Buffer.from("\ufeffname: lab\n", "utf16le"),
      "input.yaml: line 1, column 1: is not UTF-8 text (byte 0xFF) — an inventory is a YAML text file saved as UTF-8; is this the right file?",
    ],
  ])("%s gives one line naming where and what is allowed", (_, bytes, expected) => {
    expect(problemsOf(bytes)).toEqual([expected]);
  });

  it("names a folder given as the file", () => {
    expect(() => loadInventoryFile(scratch, "somewhere")).toThrow(
      "somewhere: cannot be read: it is a folder — name a YAML file",
    );
  });
});

describe("the quick reader (js-yaml) of files the careful one (yaml) would accept", () => {
  const validDir = path.resolve(__dirname, "../fixtures/valid");
  const files = [
    ...readdirSync(validDir).map((name) => path.join(validDir, name)),
    ...["core", "dev", "prod"].map((stack) => path.resolve(__dirname, `../../Pulumi.${stack}.yaml`)),
  ].filter((file) => file.endsWith(".yaml"));

  it.each(files.map((file) => [path.basename(file), file]))(
    "reads %s exactly as the careful reader",
    (_, file) => {
      const text = readFileSync(file, "utf8");
      const careful = parse(text, { uniqueKeys: true }) as Record<string, Record<string, unknown>>;
      const value = "config" in careful ? careful.config["homelab:cluster"] : careful;
      expect(parseInventoryText(text, "file")).toEqual(parseInventory(value, "file"));
    },
  );
});
