import type { Problem } from "../problems";
import type { ClusterInventory } from "../schema";
import { checkApps } from "./apps";
import { checkNetwork } from "./network";
import { checkObservability } from "./observability";
import { checkPlatform } from "./platform";
import { checkProxmox } from "./proxmox";
import { checkRoutes } from "./routes";
import { checkSources } from "./sources";
import { checkTalos } from "./talos";

/** Every check between fields that the schema alone cannot express, all problems at once. */
export function crossFieldProblems(inventory: ClusterInventory): Problem[] {
  return [
    ...checkTalos(inventory),
    ...checkNetwork(inventory),
    ...checkProxmox(inventory),
    ...checkPlatform(inventory),
    ...checkObservability(inventory),
    ...checkRoutes(inventory),
    ...checkApps(inventory),
    ...checkSources(inventory),
  ];
}
