import type { ClusterInventory } from "../inventory";
import { nodePatches, storageHostMounts, talosYaml } from "../stacks/builders";
import { clusterReadme } from "./cluster-readme";

/** One file of a rendered cluster, its path relative to `<out>/<cluster>/`. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** Everything about one cluster that can be known without credentials or network. */
export function renderCluster(inventory: ClusterInventory, source: string): RenderedFile[] {
  return [{ path: "README.md", content: clusterReadme(inventory, source) }, ...talosFiles(inventory)];
}

/** `talos/<node>.yaml`: exactly the patches the node's config is generated with. */
function talosFiles(inventory: ClusterInventory): RenderedFile[] {
  const hostMounts = storageHostMounts(inventory);
  return inventory.nodes.map((node) => ({
    path: `talos/${node.name}.yaml`,
    content:
      `# Talos config patches of ${node.name} (${node.role}) in cluster ${inventory.name}.\n` +
      `# <schematic-id> is the node class's Image Factory schematic, known after \`pulumi up\`.\n` +
      talosYaml(nodePatches(inventory, node, { hostMounts })),
  }));
}
