import type { Problem } from "../problems";
import type { ClusterInventory } from "../schema";
import { checkApps } from "./apps";
import { checkNetwork } from "./network";
import { checkPlatform } from "./platform";
import { checkRoutes } from "./routes";

/** Every check between fields that the schema alone cannot express, all problems at once. */
export function crossFieldProblems(inventory: ClusterInventory): Problem[] {
  return [
    ...checkNetwork(inventory),
    ...checkPlatform(inventory),
    ...checkRoutes(inventory),
    ...checkApps(inventory),
  ];
}
