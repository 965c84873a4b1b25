import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { renderCluster } from "../../cli/render-cluster";
import { InventoryError, parseInventory, parseInventoryText } from "../../inventory";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Segment = string | number;

const validDir = path.resolve(__dirname, "../fixtures/valid");
const seeds: Json[] = readdirSync(validDir)
  .filter((name) => name.endsWith(".yaml") && !name.startsWith("Pulumi."))
  .map((name) => parse(readFileSync(path.join(validDir, name), "utf8")) as Json);

/** Every path in a value, the root excluded, so a mutation can land anywhere. */
function pathsOf(value: Json, prefix: Segment[] = []): Segment[][] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => [[...prefix, index], ...pathsOf(item, [...prefix, index])]);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...pathsOf(item, [...prefix, key]),
    ]);
  return [];
}

function leaves(value: Json, predicate: (leaf: Json) => boolean): Segment[][] {
  return pathsOf(value).filter((at) => predicate(get(value, at)));
}

function get(value: Json, at: Segment[]): Json {
  return at.reduce<Json>((node, segment) => (node as Record<string, Json>)[segment as string], value);
}

function set(value: Json, at: Segment[], replacement: Json | undefined): void {
  const parent = get(value, at.slice(0, -1)) as Record<string, Json> & Json[];
  const key = at[at.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else {
    parent[key as string] = replacement;
  }
}

const isAddressLike = (leaf: Json) => typeof leaf === "string" && /^\d+\.\d+\.\d+\.\d+/.test(leaf);

/** A mutation picks its target among the inventory's paths by a number, so shrinking stays simple. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("wrong-type" as const),
    pick: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant("out-of-range" as const),
    pick: fc.nat(),
    value: fc.constantFrom(-1, 0, 1.5, 65536, 1e12, -0.5),
  }),
  fc.record({ kind: fc.constant("unknown-key" as const), pick: fc.nat(), key: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant("clash-addresses" as const), pick: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("clash-names" as const), pick: fc.nat(), other: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(inventory: Json, change: Mutation): void {
  const choose = <T>(items: T[], n: number): T | undefined =>
    items.length === 0 ? undefined : items[n % items.length];
  switch (change.kind) {
    case "delete": {
      const at = choose(pathsOf(inventory), change.pick);
      if (at) set(inventory, at, undefined);
      return;
    }
    case "wrong-type":
    case "out-of-range": {
      const at = choose(pathsOf(inventory), change.pick);
      if (at) set(inventory, at, change.value as Json);
      return;
    }
    case "unknown-key": {
      const objects = [[], ...pathsOf(inventory)].filter((at) => {
        const node = get(inventory, at);
        return node !== null && typeof node === "object" && !Array.isArray(node);
      });
      const at = choose(objects, change.pick);
      if (at) (get(inventory, at) as Record<string, Json>)[change.key] = "surprise";
      return;
    }
    case "clash-addresses":
    case "clash-names": {
      const candidates =
        change.kind === "clash-addresses"
          ? leaves(inventory, isAddressLike)
          : pathsOf(inventory).filter((at) => at[at.length - 1] === "name" || at[at.length - 1] === "host");
      const target = choose(candidates, change.pick);
      const source = choose(candidates, change.other);
      if (target && source) set(inventory, target, structuredClone(get(inventory, source)));
      return;
    }
  }
}

/** Accepted, or rejected with messages naming the file: never any other exception. */
function outcome(run: () => unknown): "accepted" | "rejected" {
  try {
    run();
    return "accepted";
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    expect(error.lines.length).toBeGreaterThan(0);
    for (const line of error.lines) expect(line).toMatch(/^mutated\.yaml: \S/);
    return "rejected";
  }
}

describe("random mutations of valid inventories", () => {
  it("are accepted or rejected with messages, never an uncaught exception", () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, changes) => {
          const inventory = structuredClone(seed);
          changes.forEach((change) => mutate(inventory, change));
          seen[outcome(() => parseInventory(inventory, "mutated.yaml"))] += 1;
        },
      ),
      { numRuns: 1500 },
    );
    // Both outcomes occur, so the property exercised acceptance and every kind of rejection path.
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(0);
  });

  it("survive a round trip through YAML text the same way", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (seed, changes) => {
          const inventory = structuredClone(seed);
          changes.forEach((change) => mutate(inventory, change));
          outcome(() => parseInventoryText(stringify(inventory), "mutated.yaml"));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("that are accepted also render: validation covers every precondition of the constructs", () => {
    let rendered = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 2 }),
        (seed, changes) => {
          const inventory = structuredClone(seed);
          changes.forEach((change) => mutate(inventory, change));
          let accepted;
          try {
            accepted = parseInventory(inventory, "mutated.yaml");
          } catch (error) {
            if (error instanceof InventoryError) return;
            throw error;
          }
          expect(renderCluster(accepted, "mutated.yaml").length).toBeGreaterThan(0);
          rendered += 1;
        },
      ),
      { numRuns: 800 },
    );
    expect(rendered).toBeGreaterThan(0);
  });
});
