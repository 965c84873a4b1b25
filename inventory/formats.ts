import { posix } from "node:path";
import { z } from "zod";
import { isCanonicalCidr, isIPv4Address, isIPv4Cidr, networkOf, poolEntryRange } from "./addresses";

/**
 * String formats of the inventory, each with a message that says what was wrong and what is allowed.
 * The messages are complete sentences after the key path: `<file>: <path>: <message>`.
 */

const show = (value: string) => JSON.stringify(value);

/** How a value the user wrote reads in a message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (ArrayBuffer.isView(value)) return "binary data (!!binary)";
  if (value instanceof Date) return "a timestamp";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return `the string ${show(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN (not a number)";
    // YAML reads .inf, and numbers such as 1e400 that no double can hold, as infinite.
    if (!Number.isFinite(value)) return `${value < 0 ? "-" : ""}infinity (a number too large to hold)`;
    return `the number ${value}`;
  }
  if (value === undefined) return "nothing";
  return String(value);
}

/**
 * A string that says what it stands for when it is missing or of another type. YAML reads 0e01,
 * 1.10 or yes as numbers and booleans, so a scalar of the wrong type is told to use quotes.
 */
function text(what: string) {
  return z.string({
    error: (issue) => {
      if (issue.input === undefined) return `is required — ${what}`;
      const hint = typeof issue.input === "object" ? "" : " — put it in quotes";
      return `must be ${what}, not ${describeValue(issue.input)}${hint}`;
    },
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

export const dnsLabel = text('a name of lower-case letters, digits and "-"').refine(
  (value) => DNS_LABEL.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a valid name — use lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit`,
  },
);

/**
 * A Cloudflare Zero Trust team name: the <team> of <team>.cloudflareaccess.com, which issues the Access
 * tokens. People often paste the whole team domain or its URL, so those get a message of their own.
 */
export const accessTeamName = text(
  "the team name of <team>.cloudflareaccess.com, such as myteam",
).superRefine((value, ctx) => {
  const domain = /^(?:https?:\/\/)?([a-z0-9-]+)\.cloudflareaccess\.com\/?$/i.exec(value);
  if (domain) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} is the team domain — give the team name alone, ${domain[1].toLowerCase()}`,
    });
  } else if (!DNS_LABEL.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} is not a team name — the <team> of <team>.cloudflareaccess.com: lower-case letters, digits and "-", at most 63 characters`,
    });
  }
});

export const dnsName = text("a DNS name, such as app.example.com").refine((value) => DNS_NAME.test(value), {
  error: (issue) =>
    `${show(String(issue.input))} is not a valid DNS name — use lower-case labels separated by dots, such as app.example.com`,
});

export const ipv4Address = text("an IPv4 address, such as 10.20.0.11").refine(isIPv4Address, {
  error: (issue) =>
    `${show(String(issue.input))} is not an IPv4 address — write four numbers 0-255 separated by dots, such as 10.20.0.11`,
});

export const ipv4Cidr = text("an IPv4 CIDR, such as 10.20.0.0/24").superRefine((value, ctx) => {
  if (!isIPv4Cidr(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} is not an IPv4 CIDR — write an address and a prefix length, such as 10.20.0.0/24`,
    });
  } else if (!isCanonicalCidr(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} has host bits set — write the network address, ${networkOf(value)}`,
    });
  }
});

export const poolEntry = text("an address range, such as 10.20.0.200-10.20.0.220").refine(
  (value) => poolEntryRange(value) !== undefined,
  {
    error: (issue) =>
      `${show(String(issue.input))} is not an address range — write a CIDR (10.20.0.192/27) or a range first-last (10.20.0.200-10.20.0.220)`,
  },
);

export const hostOrAddress = text("a host name or an IPv4 address").refine(
  (value) => isIPv4Address(value) || DNS_NAME.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is neither a host name nor an IPv4 address — such as time.cloudflare.com or 10.20.0.1`,
  },
);

export const emailAddress = text("an e-mail address").refine(
  (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value),
  {
    error: (issue) => `${show(String(issue.input))} is not an e-mail address — such as ops@example.com`,
  },
);

/** Cloudflare account and zone ids are 32 lower-case hex digits. */
export const cloudflareId = text("a Cloudflare id of 32 hex digits").refine(
  (value) => /^[0-9a-f]{32}$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Cloudflare id — 32 lower-case hex digits, as shown in the dashboard`,
  },
);

export const talosVersion = text("a Talos version, such as v1.13.9").refine(
  (value) => /^v\d+\.\d+\.\d+$/.test(value),
  {
    error: (issue) => `${show(String(issue.input))} is not a Talos version — such as v1.13.9`,
  },
);

export const kubernetesVersion = text("a Kubernetes version, such as 1.36.3").refine(
  (value) => /^\d+\.\d+\.\d+$/.test(value),
  {
    error: (issue) => `${show(String(issue.input))} is not a Kubernetes version — such as 1.36.3`,
  },
);

/** Kernel names (/dev/sda) and the stable udev links (/dev/disk/by-id/…, /dev/disk/by-path/pci-0000:00:17.0-ata-1). */
export const diskPath = text("a disk device, such as /dev/nvme0n1").refine(
  (value) => /^\/dev(\/[A-Za-z0-9_.:+@-]+)+$/.test(value) && !/\/\.\.?(\/|$)/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a disk device — such as /dev/nvme0n1, /dev/vda or /dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T123456`,
  },
);

/** Talos's root filesystem is read-only; host data lives under /var. */
export const varPath = text("an absolute path under /var").refine(
  (value) => /^\/var(\/[A-Za-z0-9_.-]+)+$/.test(value) && !/\/\.\.?(\/|$)/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a path under /var — Talos's root filesystem is read-only; use such as /var/mnt/local-path-provisioner`,
  },
);

/** Service names are DNS-1035 labels: they start with a letter. */
export const serviceName = text("a Service name").refine(
  (value) => /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Service name — lower-case letters, digits and "-", starting with a letter`,
  },
);

export const linkName = text("a network interface name, such as eno1").refine(
  (value) => /^[A-Za-z0-9_.-]{1,15}$/.test(value),
  {
    error: (issue) => `${show(String(issue.input))} is not a network interface name — such as eno1 or ens18`,
  },
);

/** Kubernetes label values: the zone label lands on every node. */
export const labelValue = text("a label value, such as az1").refine(
  (value) => /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a valid label value — letters, digits, "-", "_" and ".", at most 63 characters`,
  },
);

export const systemExtension = text("a Talos system extension, such as siderolabs/intel-ucode").refine(
  (value) => /^[a-z0-9-]+\/[a-z0-9][a-z0-9._-]*$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Talos system extension — write <owner>/<name>, such as siderolabs/intel-ucode`,
  },
);

export const storageSize = text("a volume size, such as 20Gi").refine(
  (value) => /^[1-9]\d*(Mi|Gi|Ti)$/.test(value),
  {
    error: (issue) => `${show(String(issue.input))} is not a volume size — such as 512Mi, 20Gi or 1Ti`,
  },
);

export const repositoryUrl = text("a repository URL").refine(
  (value) => /^(https:\/\/|oci:\/\/|ssh:\/\/|git@)[^\s]+$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a repository URL — it starts with https://, oci://, ssh:// or git@`,
  },
);

/** A whole number that says what it stands for when it is missing or of another type. */
export function wholeNumber(what: string) {
  return z.int({
    error: (issue) =>
      issue.input === undefined
        ? `is required — ${what}`
        : `must be ${what}, not ${describeValue(issue.input)}`,
  });
}

/** A string with something in it besides white space. */
export function nonBlank(what: string) {
  return text(what).refine((value) => value.trim() !== "", { error: `is blank — ${what}` });
}

export const gitRepositoryUrl = text("a Git repository URL").refine(
  (value) => /^(https:\/\/|ssh:\/\/|git@)[^\s]+$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Git repository URL — it starts with https://, ssh:// or git@`,
  },
);

/** A chart's name in its repository; the repository itself is `repoUrl`. */
export const chartName = nonBlank("the chart's name").superRefine((value, ctx) => {
  if (value.includes("/")) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} has a repository prefix — write the chart's name alone, ${show(value.slice(value.lastIndexOf("/") + 1))}, and its repository in repoUrl`,
    });
  } else if (!/^[a-z0-9][a-z0-9._-]*$/i.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${show(value)} is not a chart name — letters, digits, ".", "_" and "-", such as postgresql`,
    });
  }
});

/**
 * A directory inside a Git repository, relative to its root: it may pass through ".." as long as it
 * stays inside (`deploy/..` is the root), and it is not a home directory, a drive or a URL.
 */
export const repositoryPath = nonBlank("a path in the repository").superRefine((value, ctx) => {
  const inside = "a path inside the repository relative to its root, such as deploy/app, or . for the root";
  const refuse = (message: string) => ctx.addIssue({ code: "custom", message: `${show(value)} ${message}` });
  if (/^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(value)) {
    refuse(`is a URL, not a path — put the repository's URL in repoUrl, and here ${inside}`);
  } else if (value.startsWith("~")) {
    refuse(`is a home-directory path — give ${inside}`);
  } else if (/^[A-Za-z]:/.test(value)) {
    refuse(`is a Windows drive path — give ${inside}`);
  } else if (value.includes("\\")) {
    refuse(`separates directories with "\\" — Git paths use "/"; give ${inside}`);
  } else {
    const normalized = posix.normalize(value);
    if (posix.isAbsolute(normalized) || normalized === ".." || normalized.startsWith("../")) {
      refuse(
        "leaves the repository — give a path inside it relative to its root, such as deploy/app, or . for the root",
      );
    }
  }
});

export const port = wholeNumber("a port number 1-65535").min(1).max(65535);

/**
 * A NIC's MAC address: six two-digit hex bytes separated by ":", in either case, read as lower case.
 * A NIC needs a unicast address: not all zeros, and the lowest bit of the first byte clear.
 */
export const macAddress = text("a MAC address, such as bc:24:11:0a:00:11")
  .superRefine((value, ctx) => {
    const refuse = (message: string) =>
      ctx.addIssue({ code: "custom", message: `${show(value)} ${message}` });
    if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(value)) {
      refuse(
        'is not a MAC address — write six two-digit hex bytes separated by ":", such as bc:24:11:0a:00:11',
      );
    } else if (/^00(:00){5}$/.test(value)) {
      refuse(
        "is the all-zero address, which no NIC may have — give a unicast address, such as bc:24:11:0a:00:11, or leave macAddress out for Proxmox to choose one",
      );
    } else if ((Number.parseInt(value.slice(0, 2), 16) & 1) === 1) {
      refuse(
        "is a multicast address (the lowest bit of its first byte is set) — a NIC needs a unicast address, whose first byte is even, such as bc:24:11:… (Proxmox's prefix) or 02:… (locally administered)",
      );
    }
  })
  .transform((value) => value.toLowerCase());

/** A Linux bridge (vmbr0) or a Proxmox SDN VNet: an interface name of at most 15 characters. */
export const bridgeName = text("a Proxmox bridge, such as vmbr0").refine(
  (value) => /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a bridge name — a letter, then letters, digits, "-", "_" or ".", at most 15 characters, such as vmbr0`,
  },
);

/** A Proxmox storage id, as Proxmox itself allows them: `local`, `local-lvm`, `nas.iso`. */
export const proxmoxStorage = text("a Proxmox storage id, such as local or local-lvm").refine(
  (value) => /^[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Proxmox storage id — a letter, then letters, digits, "-", "_" or ".", ending in a letter or digit, such as local or local-lvm`,
  },
);

/** The node name a Proxmox server has in its cluster (its hostname): `pve`, `hx90`. */
export const proxmoxNodeName = text("a Proxmox node name, such as pve").refine(
  (value) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value),
  {
    error: (issue) =>
      `${show(String(issue.input))} is not a Proxmox node name — the server's hostname as Proxmox shows it under Datacenter: letters, digits and "-", such as pve`,
  },
);

/** The base URL of a Proxmox VE API: https, a host, an optional port, nothing after the "/". */
export const proxmoxEndpoint = text(
  "the https URL of the Proxmox API, such as https://pve1.lan:8006/",
).superRefine((value, ctx) => {
  const refuse = (message: string) => ctx.addIssue({ code: "custom", message: `${show(value)} ${message}` });
  const example = "such as https://pve1.lan:8006/";
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || url.hostname === "") {
    refuse(`is not the URL of a Proxmox API — write https://, the host and the port, ${example}`);
  } else if (url.protocol !== "https:") {
    refuse(
      `is not https — the Proxmox API listens on https, port 8006: ${example}; set insecure: true while it has a self-signed certificate`,
    );
  } else if (url.username !== "" || url.password !== "") {
    refuse(
      "holds credentials — give the URL alone, such as https://pve1.lan:8006/; the API token is a secret set with `pulumi config set --secret`",
    );
  } else if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    refuse(`has a path, query or fragment — give the API's base URL alone, ${example}`);
  }
});

/**
 * Whole seconds of a Go duration in whole hours, minutes and seconds (`10m`, `1h30m`), as the Talos
 * provider's timeouts take it; undefined for anything else.
 */
export function durationSeconds(duration: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (duration === "" || match === null) return undefined;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return hours * 3600 + minutes * 60 + seconds;
}
