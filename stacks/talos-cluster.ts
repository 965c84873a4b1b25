import * as pulumi from "@pulumi/pulumi";
import type { KubeletHostMount } from "../constructs/local-path-storage";
import { apiEndpoint, controlPlaneNodes, workerNodes, type ClusterInventory } from "../inventory";
import {
  bootImageUrl,
  nodeClasses,
  nodeClassOf,
  nodePatches,
  schematicKey,
  schematicYaml,
  talosYaml,
} from "./builders";
import * as talos from "./talos";

export interface TalosClusterArgs {
  readonly inventory: ClusterInventory;
  /** Host directories the kubelet must see, from the platform's storage construct. */
  readonly hostMounts: readonly KubeletHostMount[];
}

/**
 * A Talos cluster from its inventory: secrets once, a schematic per extension set, a config
 * applied to every node in parallel, one bootstrap, then kubeconfig and talosconfig (both secret)
 * and a health check that the layers above wait for.
 */
export class TalosCluster extends pulumi.ComponentResource {
  /** `https://<vip>:6443`. */
  readonly apiEndpoint: string;
  readonly kubeconfig: pulumi.Output<string>;
  readonly talosconfig: pulumi.Output<string>;
  /** Resolves once Talos reports the cluster healthy; depend on it before talking to Kubernetes. */
  readonly healthy: pulumi.Output<boolean>;
  /** The ISO to boot each node class from, by class name. */
  readonly bootImages: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:Cluster", name, {}, opts);
    const { inventory } = args;
    const child = { parent: this };
    this.apiEndpoint = apiEndpoint(inventory);

    // Regenerating the secrets would orphan every node: keep them unless deliberately unprotected.
    const secrets = new talos.machine.Secrets(
      `${name}-secrets`,
      { talosVersion: inventory.talosConfigContract },
      { ...child, protect: true },
    );

    const schematicIds = new Map<string, pulumi.Output<string>>();
    for (const nodeClass of nodeClasses(inventory)) {
      const key = schematicKey(nodeClass.extensions);
      if (!schematicIds.has(key)) {
        const schematic = new talos.imagefactory.Schematic(
          `${name}-schematic-${key}`,
          { schematic: schematicYaml(nodeClass.extensions) },
          child,
        );
        schematicIds.set(key, schematic.id);
      }
    }
    const schematicIdOf = (extensions: readonly string[]) => schematicIds.get(schematicKey(extensions))!;

    const applies = inventory.nodes.map((node) => {
      const patches = schematicIdOf(nodeClassOf(node).extensions).apply((schematicId) =>
        talosYaml(nodePatches(inventory, node, { hostMounts: args.hostMounts, schematicId })),
      );
      const configuration = talos.machine.getConfigurationOutput(
        {
          clusterName: inventory.name,
          clusterEndpoint: this.apiEndpoint,
          machineSecrets: secrets.machineSecrets,
          machineType: node.role,
          configPatches: [patches],
          kubernetesVersion: inventory.kubernetesVersion,
          talosVersion: inventory.talosConfigContract,
        },
        child,
      );
      const apply = new talos.machine.ConfigurationApply(
        `${name}-${node.name}`,
        {
          node: node.address,
          clientConfiguration: secrets.clientConfiguration,
          machineConfigurationInput: configuration.machineConfiguration,
        },
        child,
      );
      return { node, apply };
    });

    const controlPlanes = controlPlaneNodes(inventory);
    const controlPlaneAddresses = controlPlanes.map((node) => node.address);
    const [bootstrapNode] = controlPlanes;
    const bootstrap = new talos.machine.Bootstrap(
      `${name}-bootstrap`,
      { node: bootstrapNode.address, clientConfiguration: secrets.clientConfiguration },
      {
        ...child,
        dependsOn: applies.filter(({ node }) => node.role === "controlplane").map(({ apply }) => apply),
      },
    );

    // The kubeconfig names the cluster endpoint of the machine configs: the VIP.
    const kubeconfig = new talos.cluster.Kubeconfig(
      `${name}-kubeconfig`,
      { node: bootstrapNode.address, clientConfiguration: secrets.clientConfiguration },
      { ...child, dependsOn: [bootstrap] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw);

    // The VIP exists only once the cluster runs, so talosctl talks to the nodes themselves.
    this.talosconfig = pulumi.secret(
      talos.client.getConfigurationOutput(
        {
          clusterName: inventory.name,
          clientConfiguration: secrets.clientConfiguration,
          endpoints: controlPlaneAddresses,
          nodes: inventory.nodes.map((node) => node.address),
        },
        child,
      ).talosConfig,
    );

    this.healthy = talos.cluster
      .getHealthOutput(
        {
          clientConfiguration: secrets.clientConfiguration,
          controlPlaneNodes: controlPlaneAddresses,
          workerNodes: workerNodes(inventory).map((node) => node.address),
          endpoints: controlPlaneAddresses,
          // Without a CNI no node turns Ready until one is installed, which only the platform can do.
          skipKubernetesChecks: inventory.network.cni === "none",
        },
        { ...child, dependsOn: [kubeconfig, ...applies.map(({ apply }) => apply)] },
      )
      .apply(() => true);

    this.bootImages = pulumi.output(
      Object.fromEntries(
        nodeClasses(inventory).map((nodeClass) => [
          nodeClass.name,
          schematicIdOf(nodeClass.extensions).apply((id) =>
            bootImageUrl(nodeClass, inventory.talosVersion, id),
          ),
        ]),
      ),
    );

    this.registerOutputs({
      apiEndpoint: this.apiEndpoint,
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      bootImages: this.bootImages,
    });
  }
}
