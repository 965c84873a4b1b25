import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import type { ProxmoxHost } from "../inventory";
import { isoDownloadArgs, isoFileId, type ProxmoxImagePlan, type ProxmoxPlan } from "./builders";
import { vmArgs } from "./builders/proxmox-vm-args";

export interface ProxmoxVmsArgs {
  /** From `proxmoxPlan`, with the schematic placeholder still in the image URLs. */
  readonly plan: ProxmoxPlan;
  /** The hosts the plan uses. */
  readonly hosts: readonly ProxmoxHost[];
  /** Each used host's API token (`pulumi config set --secret homelab:proxmoxApiToken-<host>`). */
  readonly apiTokens: Readonly<Record<string, pulumi.Output<string>>>;
}

/**
 * The Proxmox VMs of a cluster: a provider per host, the node classes' Talos ISOs downloaded onto the
 * hosts (once per class and host), and a VM per Proxmox node. A VM is made when its Talos apply asks for
 * it (`vm`), so that the ISO can name the schematic the Talos layer registered.
 */
export class ProxmoxVms extends pulumi.ComponentResource {
  private readonly providers = new Map<string, proxmox.Provider>();
  private readonly images = new Map<string, proxmox.download.File>();
  private readonly vms = new Map<string, proxmox.VmLegacy>();
  private readonly plan: ProxmoxPlan;
  private readonly prefix: string;

  constructor(name: string, args: ProxmoxVmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:Vms", name, {}, opts);
    this.plan = args.plan;
    this.prefix = name;
    for (const host of args.hosts) {
      const token = args.apiTokens[host.name];
      // The program requires every used host's token first; without one, the provider would fall back
      // to whatever PROXMOX_VE_* variables the environment holds.
      if (token === undefined) throw new Error(`ProxmoxVms: no API token for Proxmox host ${host.name}`);
      this.providers.set(
        host.name,
        new proxmox.Provider(
          `${name}-proxmox-${host.name}`,
          { endpoint: host.endpoint, apiToken: pulumi.secret(token), insecure: host.insecure },
          { parent: this },
        ),
      );
    }
    this.registerOutputs({});
  }

  /**
   * The VM of Talos node `node`, created on first call, with its ISO at `schematicId`; undefined for a
   * node that is no Proxmox VM.
   */
  vm(node: string, schematicId: pulumi.Input<string>): proxmox.VmLegacy | undefined {
    const existing = this.vms.get(node);
    if (existing) return existing;
    const plan = this.plan.vms.find((vm) => vm.name === node);
    if (!plan) return undefined;
    const imagePlan = this.plan.images.find((each) => each.key === plan.image)!;
    const image = this.image(imagePlan, schematicId);
    // The ISO's volume id is known in advance: the VM names it, and waits for its download.
    const vm = new proxmox.VmLegacy(`${this.prefix}-vm-${plan.name}`, vmArgs(plan, isoFileId(imagePlan)), {
      parent: this,
      provider: this.providers.get(plan.host),
      dependsOn: [image],
    });
    this.vms.set(node, vm);
    return vm;
  }

  private image(plan: ProxmoxImagePlan, schematicId: pulumi.Input<string>): proxmox.download.File {
    const existing = this.images.get(plan.key);
    if (existing) return existing;
    // On a replace, the old file goes first: the new one has its name.
    const file = new proxmox.download.File(
      `${this.prefix}-iso-${plan.key}`,
      pulumi.output(schematicId).apply((id) => isoDownloadArgs(plan, id)),
      { parent: this, provider: this.providers.get(plan.host), deleteBeforeReplace: true },
    );
    this.images.set(plan.key, file);
    return file;
  }
}
