import { networkProfiles, parseInventory } from "../../inventory";
import { syntheticInventory } from "../../cli/bench-inventory";

describe("the benchmark's synthetic inventory", () => {
  it.each([1, 10, 250])("is valid with %i apps, so the benchmark measures real renders", (count) => {
    const inventory = parseInventory(syntheticInventory(count), "bench");
    expect(inventory.apps).toHaveLength(count);
  });

  it("uses every network profile and both gateways", () => {
    const inventory = parseInventory(syntheticInventory(12), "bench");
    expect(new Set(inventory.apps.map((app) => app.profile))).toEqual(new Set(networkProfiles));
    const gateways = inventory.apps.flatMap((app) => app.expose.map((exposure) => exposure.gateway));
    expect(new Set(gateways)).toEqual(new Set(["internal", "public"]));
  });
});
