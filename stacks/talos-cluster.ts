import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubeletHostMount } from "../constructs/local-path-storage";
import type { HelmChart } from "../constructs/platform-component";
import {
  activeControlPlanes,
  activeNodes,
  activeWorkers,
  apiEndpoint,
  bootstrapNode,
  controlPlaneNodes,
  workerNodes,
  type ClusterInventory,
  type ClusterNode,
} from "../inventory";
import {
  bootImageUrl,
  nodeClasses,
  nodeClassOf,
  nodePatches,
  schematicKey,
  schematicYaml,
  talosYaml,
} from "./builders";
import { helmChartArgs } from "./helm-chart-args";
import * as talos from "./talos";

/**
 * Every node, control planes and workers alike: a change that needs a reboot is staged and takes
 * effect at the node's next reboot (an upgrade, or `talosctl reboot` one node at a time); a change
 * that needs none applies at once. `auto` would reboot on its own, and the provider returns as soon
 * as the node accepted the config, so chaining alone would not keep reboots apart. A node in
 * maintenance mode installs and reboots whatever the mode.
 */
const nodeApplyMode: talos.machine.ApplyMode = "staged_if_needing_reboot";

/**
 * What deleting a node's apply does: leave etcd (control planes) and cordon and drain, wipe STATE
 * and EPHEMERAL, and power off rather than come back up in maintenance mode.
 */
const nodeOnDestroy = { graceful: true, reset: true, reboot: false } as const;

export interface TalosClusterArgs {
  readonly inventory: ClusterInventory;
  /** Host directories the kubelet must see, from the platform's storage construct. */
  readonly hostMounts: readonly KubeletHostMount[];
  /**
   * The CNI's Helm charts (Cilium), installed once the API server answers and before the full health
   * gate: until a CNI runs, no node turns Ready. Empty when Talos installs the CNI itself (flannel).
   * @default []
   */
  readonly cniCharts?: readonly HelmChart[];
  /**
   * Leave running nodes' machine configs as they are this run: the versions move, and tuppr rolls them out
   * a node at a time with health checks, writing the new installer and Kubernetes images into each node's
   * config itself. Re-applying the generated configs now would restart every node's Kubernetes components
   * at once, or put back the old images on nodes tuppr already upgraded. New nodes are still created, at
   * the new versions; the configs catch up (changing nothing on the nodes) in the run after.
   * @default false
   */
  readonly holdConfigChanges?: boolean;
  /**
   * The machine a node runs on, when the program makes it (a Proxmox VM), given the schematic id of the
   * node's class: the node's config apply waits for it. Called for every node, decommissioning ones too
   * (their machine stays until their entry is deleted).
   * @default - no node's machine is made by the program
   */
  readonly machineOf?: (node: ClusterNode, schematicId: pulumi.Output<string>) => pulumi.Resource | undefined;
}

/**
 * A Talos cluster from its inventory: secrets once, a schematic per extension set, a config
 * applied to every node (control planes one after another, workers one after another, a reboot-needing
 * change staged), one bootstrap, then kubeconfig and talosconfig (both secret), the CNI when the program
 * installs it, and a health check that the layers above wait for. A node marked `decommission` loses its
 * apply, which resets it.
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

    const { applyTimeout, bootstrapTimeout, healthTimeout } = inventory.talos;
    const machineOf = (node: ClusterNode) =>
      args.machineOf?.(node, schematicIdOf(nodeClassOf(node).extensions));
    const applyOf = (node: ClusterNode, dependsOn: pulumi.Resource | undefined) => {
      const machine = machineOf(node);
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
      return new talos.machine.ConfigurationApply(
        `${name}-${node.name}`,
        {
          node: node.address,
          clientConfiguration: secrets.clientConfiguration,
          machineConfigurationInput: configuration.machineConfiguration,
          applyMode: nodeApplyMode,
          onDestroy: nodeOnDestroy,
          timeouts: { create: applyTimeout, update: applyTimeout, delete: applyTimeout },
        },
        {
          ...child,
          dependsOn: [...(dependsOn ? [dependsOn] : []), ...(machine ? [machine] : [])],
          ...(args.holdConfigChanges ? { ignoreChanges: ["machineConfigurationInput"] } : {}),
        },
      );
    };
    // One chain per role: each apply waits for the one before it, so at most one control plane and
    // one worker are being reconfigured at any moment. A decommissioning node has no apply: Pulumi
    // deletes it at the end of the run, which resets the node.
    const chain = (nodes: readonly ClusterNode[]) => {
      const applied: talos.machine.ConfigurationApply[] = [];
      for (const node of nodes) applied.push(applyOf(node, applied[applied.length - 1]));
      return applied;
    };
    const controlPlaneApplies = chain(activeControlPlanes(inventory));
    const workerApplies = chain(activeWorkers(inventory));
    for (const node of inventory.nodes.filter((each) => each.decommission)) machineOf(node);

    // Validation keeps at least one control plane that stays.
    const bootstrapAddress = bootstrapNode(inventory)!.address;
    const bootstrap = new talos.machine.Bootstrap(
      `${name}-bootstrap`,
      {
        node: bootstrapAddress,
        clientConfiguration: secrets.clientConfiguration,
        timeouts: { create: bootstrapTimeout },
      },
      {
        ...child,
        dependsOn: controlPlaneApplies,
        // etcd is bootstrapped once. Should the first control plane leave, the next one becomes the
        // choice here, but a bootstrap on a running cluster fails: the resource keeps its node.
        ignoreChanges: ["node", "endpoint"],
      },
    );

    // The kubeconfig names the cluster endpoint of the machine configs: the VIP. It is fetched from a
    // control plane that stays; moving it is an update, and renewals must not ask a removed node.
    const kubeconfig = new talos.cluster.Kubeconfig(
      `${name}-kubeconfig`,
      { node: bootstrapAddress, clientConfiguration: secrets.clientConfiguration },
      { ...child, dependsOn: [bootstrap] },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw);

    // The VIP exists only once the cluster runs, so talosctl talks to the nodes themselves; a
    // decommissioning node is wiped by the end of the run and is no endpoint.
    const endpoints = activeControlPlanes(inventory).map((node) => node.address);
    this.talosconfig = pulumi.secret(
      talos.client.getConfigurationOutput(
        {
          clusterName: inventory.name,
          clientConfiguration: secrets.clientConfiguration,
          endpoints,
          nodes: activeNodes(inventory).map((node) => node.address),
        },
        child,
      ).talosConfig,
    );

    // Talos requires the Kubernetes node list to equal these lists. A decommissioning node still runs
    // during its last run (its reset comes after), so it is listed until its entry is deleted.
    // `after` delays the check until it resolves: an invoke's `dependsOn` waits for custom resources
    // only, not for what a component (a Helm chart) creates.
    const health = (
      skipKubernetesChecks: boolean,
      dependsOn: pulumi.Resource[],
      after?: pulumi.Output<unknown>,
    ) =>
      talos.cluster.getHealthOutput(
        {
          clientConfiguration: secrets.clientConfiguration,
          controlPlaneNodes: controlPlaneNodes(inventory).map((node) => node.address),
          workerNodes: workerNodes(inventory).map((node) => node.address),
          endpoints: after ? after.apply(() => endpoints) : endpoints,
          skipKubernetesChecks,
          timeouts: { read: healthTimeout },
        },
        { ...child, dependsOn },
      );
    const nodesUp: pulumi.Resource[] = [kubeconfig, ...controlPlaneApplies, ...workerApplies];

    // The CNI goes onto the bare cluster: once etcd, the kubelets and the control-plane components are
    // up and every node has registered (the checks Talos runs short of the Kubernetes ones, which need
    // Ready nodes), and before the full health gate, which it makes pass.
    const cniCharts = args.cniCharts ?? [];
    let cni: k8s.helm.v4.Chart[] = [];
    if (cniCharts.length > 0) {
      const apiUp = health(true, nodesUp);
      const provider = new k8s.Provider(
        `${name}-cni-kubernetes`,
        {
          kubeconfig: pulumi.secret(pulumi.all([kubeconfig.kubeconfigRaw, apiUp]).apply(([raw]) => raw)),
        },
        child,
      );
      cni = cniCharts.map(
        (chart) =>
          new k8s.helm.v4.Chart(`${name}-${chart.release}`, helmChartArgs(chart), { ...child, provider }),
      );
    }
    // A chart's `resources` resolve once the provider has created every object in it.
    const cniInstalled = cni.length > 0 ? pulumi.all(cni.map((chart) => chart.resources)) : undefined;
    this.healthy = health(false, [...nodesUp, ...cni], cniInstalled).apply(() => true);

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
