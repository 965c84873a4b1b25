import { readFileSync } from "node:fs";
import * as path from "node:path";
import { pins } from "../pins";

const root = path.resolve(__dirname, "..");
const renovate = JSON.parse(readFileSync(path.join(root, "renovate.json"), "utf8")) as {
  customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[] }[];
};
const pinsSource = readFileSync(path.join(root, "pins.ts"), "utf8");

/** Every version string in pins.ts, by walking the exported object. */
function pinnedVersions(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Object.values(value as Record<string, unknown>).flatMap(pinnedVersions);
}

/** Renovate's matchStrings use Go-style named groups `(?<name>…)`, which JavaScript reads the same way. */
function renovateMatches(): { datasource: string; depName: string; currentValue: string }[] {
  const [manager] = renovate.customManagers;
  return manager.matchStrings.flatMap((pattern) =>
    [...pinsSource.matchAll(new RegExp(pattern, "g"))].map((match) => ({
      datasource: match.groups!.datasource,
      depName: match.groups!.depName,
      currentValue: match.groups!.currentValue,
    })),
  );
}

describe("Renovate sees every pin", () => {
  it("its regex manager reads pins.ts", () => {
    const [manager] = renovate.customManagers;
    expect(manager.customType).toBe("regex");
    expect(
      manager.managerFilePatterns.some((pattern) => new RegExp(pattern.slice(1, -1)).test("pins.ts")),
    ).toBe(true);
  });

  it("matches exactly the versions pins.ts exports, each once", () => {
    const matched = renovateMatches().map((match) => match.currentValue);
    expect([...matched].sort()).toEqual(pinnedVersions(pins).sort());
  });

  it("names a datasource Renovate knows for each", () => {
    for (const match of renovateMatches()) {
      expect(["github-releases", "helm", "docker"]).toContain(match.datasource);
    }
  });
});
