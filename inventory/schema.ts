import { z } from "zod";
import { pins } from "../pins";
import {
  accessTeamName,
  bridgeName,
  chartName,
  cloudflareId,
  describeValue,
  diskPath,
  dnsLabel,
  durationSeconds,
  dnsName,
  emailAddress,
  hostOrAddress,
  ipv4Address,
  ipv4Cidr,
  kubernetesVersion,
  labelValue,
  gitRepositoryUrl,
  linkName,
  macAddress,
  nonBlank,
  poolEntry,
  port,
  proxmoxEndpoint,
  proxmoxNodeName,
  proxmoxStorage,
  repositoryPath,
  wholeNumber,
  repositoryUrl,
  serviceName,
  storageSize,
  systemExtension,
  talosVersion,
  varPath,
} from "./formats";

/**
 * An object that rejects keys it does not know. The allowed keys travel in the issue's message so
 * that the error formatter can say what would have been right.
 */
function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? allowed : undefined),
  });
}

/** Deliberately not a Renovate pin: moving a running cluster's contract regenerates every config. */
const defaultTalosConfigContract = "v1.13.9";

const network = strict({
  /** The node LAN, e.g. 10.20.0.0/24. */
  subnet: ipv4Cidr,
  /** The LAN's router: the nodes' default route. */
  gateway: ipv4Address,
  nameservers: z.array(ipv4Address).min(1),
  ntpServers: z.array(hostOrAddress).min(1).default(["time.cloudflare.com"]),
  /** The shared Kubernetes API address held by the control planes (Talos Layer2 VIP). */
  vip: ipv4Address,
  /** A DNS name for the API, added to the API server certificate beside the VIP. */
  apiHostname: dnsName.optional(),
  podCidr: ipv4Cidr.default("10.244.0.0/16"),
  serviceCidr: ipv4Cidr.default("10.96.0.0/12"),
  /**
   * `cilium`, which the program installs on the bare cluster, enforces NetworkPolicy; `flannel`, which
   * Talos installs itself, ignores every policy (the isolation the policies describe does not happen).
   */
  cni: z.enum(["cilium", "flannel"]).default("cilium"),
  /** MetalLB's LAN addresses for LoadBalancer Services: CIDRs or first-last ranges. */
  loadBalancerPool: z.array(poolEntry).min(1),
});

/** A check that a whole number lies in [min, max], with the message `refuse` words for one that does not. */
function outside(min: number, max: number, refuse: (value: number) => string) {
  return (value: number, ctx: z.core.$RefinementCtx<number>) => {
    if (value < min || value > max) ctx.addIssue({ code: "custom", message: refuse(value) });
  };
}

/** A VLAN tag on a Proxmox bridge (802.1Q: 1-4094). */
const vlanTag = wholeNumber("a VLAN tag 1-4094").superRefine(
  outside(
    1,
    4094,
    (value) =>
      `${value} is not a VLAN tag — 802.1Q tags are 1-4094; leave vlanTag out for the bridge's untagged traffic`,
  ),
);

/** The inventory's defaults for a VM, where its node entry leaves them out. */
export const proxmoxVmDefaults = {
  cores: 2,
  /** MiB: 4 GiB, what Talos recommends for a control plane and twice its recommendation for a worker. */
  memory: 4096,
  /** GiB. */
  diskSize: 32,
} as const;

/**
 * Talos's minimums (its "System Requirements": control planes 2 GiB and 2 cores, workers 1 GiB and
 * 1 core, a 10 GiB system disk) and the most the inventory allows. Memory is in MiB and disks in GiB,
 * the units Proxmox itself shows.
 */
export const proxmoxVmBounds = {
  vmId: { min: 100, max: 999_999_999 },
  cores: { controlplane: 2, worker: 1, max: 128 },
  memory: { controlplane: 2048, worker: 1024, max: 1_048_576 },
  diskSize: { min: 10, max: 4096 },
} as const;

/** The VM's system disk, in GiB. */
const diskSize = wholeNumber("the VM's disk size in GiB, such as 32").superRefine((value, ctx) => {
  const { min, max } = proxmoxVmBounds.diskSize;
  if (value < min) {
    ctx.addIssue({
      code: "custom",
      message: `${value} GiB is too small — Talos needs a system disk of at least ${min} GiB (diskSize is in GiB, such as 32)`,
    });
  } else if (value > max) {
    ctx.addIssue({
      code: "custom",
      message: `${value} GiB is more than the ${max} GiB (4 TiB) allowed — Talos takes its whole install disk: give it a small one (diskSize is in GiB, such as 32) and keep data on other disks`,
    });
  }
});

/**
 * Where a node runs. A Proxmox VM names its host (an entry of `proxmox.hosts`) and its VM settings;
 * `bridge` and `vlanTag` say which network its NIC joins: left out, the host's own `bridge` and
 * `vlanTag`; a `bridge` alone is untagged unless `vlanTag` is set too.
 */
const host = strict({
  kind: z.enum(["metal", "proxmox"]),
  /** The Proxmox host the VM runs on; only for `proxmox`. */
  name: dnsLabel.optional(),
  /** The VM's id, unique on its host (and on every host reached through the same API). */
  vmId: wholeNumber(
    `the VM's id on its Proxmox host, a whole number ${proxmoxVmBounds.vmId.min}-${proxmoxVmBounds.vmId.max}, such as 110`,
  )
    .superRefine(
      outside(proxmoxVmBounds.vmId.min, proxmoxVmBounds.vmId.max, (value) =>
        value < proxmoxVmBounds.vmId.min
          ? `${value} is below ${proxmoxVmBounds.vmId.min} — Proxmox keeps VM ids under ${proxmoxVmBounds.vmId.min} for itself; use ${proxmoxVmBounds.vmId.min}-${proxmoxVmBounds.vmId.max}, such as 110`
          : `${value} is above ${proxmoxVmBounds.vmId.max}, the largest VM id Proxmox allows — use ${proxmoxVmBounds.vmId.min}-${proxmoxVmBounds.vmId.max}, such as 110`,
      ),
    )
    .optional(),
  cores: wholeNumber("the VM's CPU cores, such as 2")
    .superRefine(
      outside(1, proxmoxVmBounds.cores.max, (value) =>
        value < 1
          ? `${value} cores is too few — a VM needs at least 1 core (Talos: 2 on a control plane)`
          : `${value} cores is more than the ${proxmoxVmBounds.cores.max} allowed — such as 2 or 4`,
      ),
    )
    .optional(),
  /** MiB. */
  memory: wholeNumber("the VM's memory in MiB, such as 4096 for 4 GiB").optional(),
  /** GiB. */
  diskSize: diskSize.optional(),
  /** Left out, Proxmox chooses one (and keeps it for the VM's life). */
  macAddress: macAddress.optional(),
  bridge: bridgeName.optional(),
  vlanTag: vlanTag.optional(),
});

/** The settings only a Proxmox VM has. */
const vmOnlyKeys = [
  "name",
  "vmId",
  "cores",
  "memory",
  "diskSize",
  "macAddress",
  "bridge",
  "vlanTag",
] as const;

/** A node's host once parsed: bare metal, or a Proxmox VM with its defaults filled in. */
export type NodeHost =
  | { readonly kind: "metal" }
  | {
      readonly kind: "proxmox";
      readonly name: string;
      readonly vmId: number;
      readonly cores: number;
      /** MiB. */
      readonly memory: number;
      /** GiB. */
      readonly diskSize: number;
      readonly macAddress?: string;
      /** Left out: the host's `bridge` (see `vmNodes`, which resolves it). */
      readonly bridge?: string;
      readonly vlanTag?: number;
    };

/** The parsed host with a VM's defaults; only a host the node's checks accepted gets here. */
function resolveHost(h: z.output<typeof host>): NodeHost {
  if (h.kind === "metal") return { kind: "metal" };
  return {
    kind: "proxmox",
    // Both were required above.
    name: h.name!,
    vmId: h.vmId!,
    cores: h.cores ?? proxmoxVmDefaults.cores,
    memory: h.memory ?? proxmoxVmDefaults.memory,
    diskSize: h.diskSize ?? proxmoxVmDefaults.diskSize,
    ...(h.macAddress === undefined ? {} : { macAddress: h.macAddress }),
    ...(h.bridge === undefined ? {} : { bridge: h.bridge }),
    ...(h.vlanTag === undefined ? {} : { vlanTag: h.vlanTag }),
  };
}

/** Proxmox VirtIO disks are /dev/vda and the first VirtIO NIC is ens18 (a SATA/SCSI guess would be wrong). */
const PROXMOX_INSTALL_DISK = "/dev/vda";
const PROXMOX_INTERFACE = "ens18";
/** The onboard NIC name of most small-form-factor PCs; set `interface` when yours differs. */
const METAL_INTERFACE = "eno1";

const node = strict({
  name: dnsLabel,
  role: z.enum(["controlplane", "worker"]),
  address: ipv4Address,
  host,
  installDisk: diskPath.optional(),
  interface: linkName.optional(),
  /** Value of the `topology.kubernetes.io/zone` label. */
  zone: labelValue.optional(),
  /** Talos system extensions baked into the node's Image Factory schematic. */
  extensions: z.array(systemExtension).default([]),
  /**
   * Set for one `pulumi up` to remove the node: its config apply is deleted, which resets it
   * gracefully (leaving etcd, draining) and powers it off. Then delete its Kubernetes Node and the entry.
   */
  decommission: z.boolean().default(false),
})
  .superRefine((n, ctx) => {
    if (n.host.kind === "metal" && n.installDisk === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["installDisk"],
        message:
          "is required for a bare-metal node — the disk Talos installs to, such as /dev/nvme0n1 or /dev/sda",
      });
    }
    if (n.host.kind === "proxmox" && n.host.name === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "name"],
        message: "is required for a Proxmox VM — the Proxmox host it runs on, such as hx90",
      });
    }
    if (n.host.kind === "metal") {
      for (const key of vmOnlyKeys.filter((key) => n.host[key] !== undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["host", key],
          message: "is only for Proxmox VMs — remove it, or set host.kind: proxmox",
        });
      }
      return;
    }
    if (n.host.vmId === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "vmId"],
        message: `is required for a Proxmox VM — its VM id, a whole number ${proxmoxVmBounds.vmId.min}-${proxmoxVmBounds.vmId.max} no other VM on the host has, such as 110`,
      });
    }
    const role = n.role === "controlplane" ? "a control plane" : "a worker";
    const cores = n.host.cores ?? proxmoxVmDefaults.cores;
    if (cores < proxmoxVmBounds.cores[n.role]) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "cores"],
        message: `${cores} core is too few for ${role} — Talos needs at least ${proxmoxVmBounds.cores.controlplane} cores on a control plane and ${proxmoxVmBounds.cores.worker} on a worker`,
      });
    }
    const memory = n.host.memory;
    const { max } = proxmoxVmBounds.memory;
    if (memory !== undefined && memory < proxmoxVmBounds.memory[n.role]) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "memory"],
        message: `${memory} MiB is too little for ${role} — Talos needs at least ${proxmoxVmBounds.memory.controlplane} MiB (2 GiB) on a control plane and ${proxmoxVmBounds.memory.worker} MiB (1 GiB) on a worker; memory is in MiB, such as 4096 for 4 GiB`,
      });
    } else if (memory !== undefined && memory > max) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "memory"],
        message: `${memory} MiB is more than the ${max} MiB (1 TiB) allowed — memory is in MiB, such as 8192 for 8 GiB`,
      });
    }
  })
  .transform((n) => ({
    ...n,
    host: resolveHost(n.host),
    // Only a Proxmox VM gets here without a disk: bare metal without one was rejected above.
    installDisk: n.installDisk ?? PROXMOX_INSTALL_DISK,
    interface: n.interface ?? (n.host.kind === "proxmox" ? PROXMOX_INTERFACE : METAL_INTERFACE),
  }));

/**
 * A network a Proxmox host's bridge carries, where it is not the node LAN: a bridge (with a VLAN tag,
 * or untagged) and its subnet.
 */
const proxmoxBridge = strict({
  name: bridgeName,
  /** Left out: the bridge's untagged traffic. */
  vlanTag: vlanTag.optional(),
  subnet: ipv4Cidr,
});

/**
 * A Proxmox VE server the cluster's VMs run on. Its API token is a secret, set per host with
 * `pulumi config set --secret homelab:proxmoxApiToken-<name>`.
 *
 * Networks: every bridge (and VLAN) a VM joins carries the node LAN, `network.subnet`, unless the
 * host lists it under `bridges` with another subnet; a node whose address lies outside the subnet
 * of the bridge it joins is refused. So `bridges` declares the host's other networks (storage, IoT,
 * another cluster's LAN) and keeps nodes off them.
 */
const proxmoxHost = strict({
  /** How nodes name the host: `host: {kind: proxmox, name: <name>}`. */
  name: dnsLabel,
  /** The API's base URL, such as https://pve1.lan:8006/. */
  endpoint: proxmoxEndpoint,
  /** The host's node name inside Proxmox. @default the name */
  node: proxmoxNodeName.optional(),
  /** Whether the API's TLS certificate is self-signed and not checked. */
  insecure: z.boolean().default(false),
  /** Where the Talos ISO is uploaded (a storage with content type ISO image). */
  isoStorage: proxmoxStorage.default("local"),
  /** Where the VMs' disks live. */
  diskStorage: proxmoxStorage.default("local-lvm"),
  /** The bridge a VM's NIC joins unless its node names another. */
  bridge: bridgeName.default("vmbr0"),
  /** The VLAN tag on that bridge; left out, untagged. */
  vlanTag: vlanTag.optional(),
  bridges: z.array(proxmoxBridge).default([]),
}).transform((h) => ({ ...h, node: h.node ?? h.name }));

const proxmox = strict({
  hosts: z.array(proxmoxHost).default([]),
});

/**
 * A Go duration as the Talos provider's timeouts take it, in whole hours, minutes and seconds, such
 * as 10m or 1h30m; at least a minute, since every step it bounds waits on a machine.
 */
const talosTimeout = z.string().superRefine((value, ctx) => {
  const seconds = durationSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(value)} is not a duration — write whole hours, minutes and seconds, such as 10m, 1h or 1h30m`,
    });
  } else if (seconds < 60) {
    ctx.addIssue({
      code: "custom",
      message: `${value} is shorter than a minute — these steps wait on machines; give them minutes, such as 10m or 30m`,
    });
  }
});

/** How long `pulumi up` waits on the nodes; a first bare-metal install needs more than the provider's 10m. */
const talos = strict({
  /** Each node's config apply: reaching the node, and on removal its graceful reset. */
  applyTimeout: talosTimeout.default("20m"),
  /** The etcd bootstrap, retried until the first control plane has installed and rebooted. */
  bootstrapTimeout: talosTimeout.default("30m"),
  /** Talos's cluster health gate before anything talks to Kubernetes. */
  healthTimeout: talosTimeout.default("30m"),
  /**
   * Each rolling upgrade a version bump starts (tuppr's TalosUpgrade, then its KubernetesUpgrade):
   * `pulumi up` waits for it to complete, a node at a time.
   */
  upgradeTimeout: talosTimeout.default("6h"),
});

const gateways = strict({
  /** The LAN address of the internal gateway; from the MetalLB pool. */
  internal: ipv4Address,
  /** The LAN address of the public gateway, which the Cloudflare tunnel sends to; from the pool. */
  public: ipv4Address,
});

const cloudflare = strict({
  accountId: cloudflareId,
  /** The Cloudflare zone, e.g. example.com; the cluster domain lies in it. */
  zone: dnsName,
  zoneId: cloudflareId,
  tunnelReplicas: z.int().min(1).max(10).default(2),
  /**
   * `universal`: Cloudflare's free edge certificate covers the zone and one label below it only.
   * `advanced`: an Advanced Certificate (or Total TLS) covers deeper public hostnames.
   */
  edgeCertificates: z.enum(["universal", "advanced"]).default("universal"),
  /** Who may pass Cloudflare Access in front of protected hostnames. */
  access: strict({
    emails: z.array(emailAddress).default([]),
    emailDomains: z.array(dnsName).default([]),
    /**
     * The Zero Trust team: the <team> of <team>.cloudflareaccess.com, which signs Access tokens. The public
     * gateway checks them against it; required while a public hostname sets access: true.
     */
    teamName: accessTeamName.optional(),
    sessionDuration: z
      .string()
      .refine((value) => /^\d+(m|h)$/.test(value), {
        error: (issue) => `${JSON.stringify(issue.input)} is not a duration — such as 30m or 24h`,
      })
      .default("24h"),
  }).prefault({}),
});

const enabled = z.boolean().default(true);

const platform = strict({
  storage: strict({
    enabled,
    className: dnsLabel.default("local-path"),
    /** Where volumes live on the node; the Talos layer mounts it into the kubelet. */
    hostPath: varPath.default("/var/mnt/local-path-provisioner"),
  }).prefault({}),
  metallb: strict({ enabled }).prefault({}),
  certManager: strict({
    enabled,
    /** Let's Encrypt account e-mail; required while cert-manager is enabled. */
    acmeEmail: emailAddress.optional(),
    /** Which ClusterIssuer signs the gateways' certificates. */
    issuer: z.enum(["letsencrypt-prod", "letsencrypt-staging"]).default("letsencrypt-prod"),
  }).prefault({}),
  envoyGateway: strict({ enabled }).prefault({}),
  cloudflared: strict({ enabled }).prefault({}),
  argocd: strict({
    enabled,
    /** Internal hostname of the Argo CD UI. @default argocd.<domain> */
    hostname: dnsName.optional(),
    dex: z.boolean().default(false),
  }).prefault({}),
  /** tuppr: Talos and Kubernetes upgrades as rolling, health-checked runs from the versions above. */
  upgrades: strict({ enabled }).prefault({}),
  /**
   * Observability. The hub runs Loki, Mimir, Tempo and Grafana and stores its own cluster's telemetry and
   * that of every spoke, each cluster its own tenant; a spoke runs only the collectors and ships to the hub.
   * A lab of one cluster is a hub without spokes.
   */
  lgtm: strict({
    enabled,
    role: z.enum(["hub", "spoke"]).default("hub"),
    /** Hub: the clusters that ship here, each its own tenant with its own generated credentials. */
    spokes: z.array(dnsLabel).default([]),
    /** Hub: where spokes send, on the internal gateway. @default telemetry.<domain> */
    telemetryHostname: dnsName.optional(),
    /** Spoke: where the hub is — its stack, or its hostname and internal gateway address. */
    hub: strict({
      /** The hub's Pulumi stack in this project; its outputs give the endpoint and this cluster's credentials. */
      stack: dnsLabel.optional(),
      /** The hub's `telemetryHostname`, when the hub is not a stack here; the password is then a secret setting. */
      hostname: dnsName.optional(),
      /** The hub's internal gateway address, with `hostname`. */
      address: ipv4Address.optional(),
    }).optional(),
    /**
     * The operator's word that a cluster which ran the hub's stores may lose them: switching it to a spoke
     * (or off) deletes Loki, Mimir, Tempo and Grafana and their volumes. `pulumi up` stops without it.
     */
    dropStores: z.boolean().default(false),
    /** Hub: who the alerts go to, by e-mail through an SMTP relay. */
    alerts: strict({
      email: z.array(emailAddress).min(1),
      smtp: strict({
        /** The relay as host:port, such as smtp.example.com:587. */
        host: nonBlank("the SMTP relay as host:port, such as smtp.example.com:587").refine(
          (value) => /^[a-z0-9.-]+:[0-9]{1,5}$/.test(value),
          {
            error: (issue) =>
              `${JSON.stringify(issue.input)} is not host:port — such as smtp.example.com:587`,
          },
        ),
        from: emailAddress,
        /** The relay's user; its password is the secret setting homelab:smtpPassword. */
        user: nonBlank("the SMTP user").optional(),
      }),
    }).optional(),
    /** Internal hostname of Grafana. @default grafana.<domain> */
    grafanaHostname: dnsName.optional(),
    retentionDays: z.int().min(1).max(3650).default(14),
    lokiStorage: storageSize.default("20Gi"),
    tempoStorage: storageSize.default("10Gi"),
    mimirStorage: storageSize.default("20Gi"),
    grafanaStorage: storageSize.default("5Gi"),
  }).prefault({}),
});

const helmSource = strict({
  repoUrl: repositoryUrl,
  chart: chartName,
  version: nonBlank("the chart's version"),
  // Kept as parsed: a record schema would rebuild the mapping and silently drop a `__proto__` key.
  values: z
    .custom<Record<string, unknown>>(
      (value) => value !== null && typeof value === "object" && !Array.isArray(value),
      {
        error: (issue) => `must be a mapping of the chart's values, not ${describeValue(issue.input)}`,
      },
    )
    .default({}),
});

const gitSource = strict({
  repoUrl: gitRepositoryUrl,
  path: repositoryPath,
  revision: nonBlank("a branch, tag or commit").default("HEAD"),
});

const source = strict({
  helm: helmSource.optional(),
  git: gitSource.optional(),
}).superRefine((s, ctx) => {
  if ((s.helm === undefined) === (s.git === undefined)) {
    ctx.addIssue({
      code: "custom",
      message:
        "needs exactly one of helm or git — a Helm chart (repoUrl, chart, version) or a Git path (repoUrl, path)",
    });
  }
});

const exposure = strict({
  host: dnsName,
  gateway: z.enum(["internal", "public"]),
  /** The app's Service that receives the traffic. */
  service: serviceName,
  port,
  /**
   * The port the app's pods listen on: the Service's targetPort, and what NetworkPolicies open
   * (gateways send to pod addresses). Always stated, because it often differs from `port`.
   */
  targetPort: wholeNumber(
    "the port the app's pods listen on (the Service's targetPort, which NetworkPolicies open), such as 8080",
  )
    .min(1)
    .max(65535),
  /** For public hostnames: whether Cloudflare Access guards it. Must be stated for every public one. */
  access: z.boolean().optional(),
});

const podSecurity = strict({
  level: z.enum(["privileged", "baseline", "restricted"]),
  /** Why this app cannot run `restricted`; required so that exceptions are reviewed. */
  reason: nonBlank("a reason of at least 10 characters").refine((value) => value.trim().length >= 10, {
    error: "is too short — say in at least 10 characters why the app cannot run restricted",
  }),
});

export const networkProfiles = ["web-app", "web-app-internal", "media-server", "worker"] as const;

const app = strict({
  name: dnsLabel,
  /** @default the app's name */
  namespace: dnsLabel.optional(),
  enabled,
  profile: z.enum(networkProfiles),
  /** The inbound BitTorrent port of a `media-server`. */
  torrentPort: port.optional(),
  /** Apps this one calls inside the cluster; opens egress here and ingress there. */
  allowTo: z.array(dnsLabel).default([]),
  podSecurity: podSecurity.optional(),
  source,
  expose: z.array(exposure).default([]),
}).transform((a) => ({ ...a, namespace: a.namespace ?? a.name }));

export const clusterSchema = strict({
  name: dnsLabel,
  /** Apps and platform UIs are served one label below it: <app>.<domain>. */
  domain: dnsName,
  talosVersion: talosVersion.default(pins.talos.version),
  /**
   * The Talos version whose config format the secrets and machine configs are generated for. Fixed
   * when a cluster is created: upgrading Talos changes `talosVersion`, never this.
   */
  talosConfigContract: talosVersion.default(defaultTalosConfigContract),
  kubernetesVersion: kubernetesVersion.default(pins.kubernetes),
  /** How long `pulumi up` waits for node applies, the bootstrap and the health gate. */
  talos: talos.prefault({}),
  network,
  /**
   * Whether control planes also run workloads. On by default, so that adding the first worker changes
   * no control plane's config; turn it off once workers carry the load.
   */
  controlPlanesRunWorkloads: z.boolean().default(true),
  nodes: z.array(node).min(1),
  /** The Proxmox VE servers the cluster's VMs run on; bare-metal clusters leave it out. */
  proxmox: proxmox.prefault({}),
  gateways,
  cloudflare: cloudflare.optional(),
  platform: platform.prefault({}),
  apps: z.array(app).default([]),
});

export type ClusterInventory = z.output<typeof clusterSchema>;
export type ClusterNode = ClusterInventory["nodes"][number];
export type NodeRole = ClusterNode["role"];
export type ProxmoxHost = ClusterInventory["proxmox"]["hosts"][number];
export type ProxmoxBridge = ProxmoxHost["bridges"][number];
export type App = ClusterInventory["apps"][number];
export type Exposure = App["expose"][number];
export type NetworkProfile = App["profile"];
export type TalosSettings = ClusterInventory["talos"];
export type CloudflareSettings = NonNullable<ClusterInventory["cloudflare"]>;
export type PlatformSettings = ClusterInventory["platform"];
