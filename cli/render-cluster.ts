import type { ClusterInventory } from "../inventory";
import { clusterReadme } from "./cluster-readme";

/** One file of a rendered cluster, its path relative to `<out>/<cluster>/`. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** Everything about one cluster that can be known without credentials or network. */
export function renderCluster(inventory: ClusterInventory, source: string): RenderedFile[] {
  return [{ path: "README.md", content: clusterReadme(inventory, source) }];
}
