import type { GatewayRef } from "./gateway-ref";
import type { AppExposure, AppSource, HomelabAppProps, PodSecurityException } from "./homelab-app";
import { networkProfiles, type ProfileAllowances } from "./network-profiles";

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabelPart = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const hostname = new RegExp(`^(?=.{1,253}$)${dnsLabelPart}(\\.${dnsLabelPart})*$`);

const minimumReasonLength = 10;

/** Gateways are the same when name and namespace are: refs are plain data and may be rebuilt. */
export function sameGateway(a: GatewayRef, b: GatewayRef | undefined): boolean {
  return b !== undefined && a.name === b.name && a.namespace === b.namespace;
}

/** Every problem of a HomelabApp's props, each naming the prop; empty when the props are valid. */
export function homelabAppProblems(props: HomelabAppProps): string[] {
  const problems = [
    ...nameProblems("name", props.name),
    ...nameProblems("namespace", props.namespace),
    ...nameProblems("argoNamespace", props.argoNamespace),
    ...podSecurityProblems(props.podSecurity),
    ...sourceProblems(props.source),
  ];
  if (!Object.hasOwn(networkProfiles, props.profile)) {
    const known = Object.keys(networkProfiles).join(", ");
    return [...problems, `profile ${JSON.stringify(props.profile)} is unknown — one of ${known}`];
  }
  return [
    ...problems,
    ...torrentPortProblems(props),
    ...exposureProblems(props),
    ...accessTeamProblems(props),
  ];
}

function accessTeamProblems({ exposures = [], accessTeamName }: HomelabAppProps): string[] {
  const needed = exposures.some((exposure) => exposure.access === true);
  const what = "the <team> of <team>.cloudflareaccess.com, whose Access tokens the gateway checks";
  if (accessTeamName === undefined) {
    return needed ? [`accessTeamName is required when an exposure sets access: true — ${what}`] : [];
  }
  return typeof accessTeamName === "string" && dnsLabel.test(accessTeamName)
    ? []
    : [`accessTeamName ${JSON.stringify(accessTeamName)} is not a team name — ${what}, a DNS label`];
}

function nameProblems(prop: string, name: string | undefined): string[] {
  if (name === undefined && prop !== "name") return [];
  return typeof name === "string" && dnsLabel.test(name)
    ? []
    : [
        `${prop} ${JSON.stringify(name)} is not a DNS label — at most 63 lowercase letters, digits and '-', such as vaultwarden`,
      ];
}

function portProblems(prop: string, port: number | undefined): string[] {
  if (port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535)) return [];
  return [`${prop} ${port} is not a port — an integer from 1 to 65535`];
}

function podSecurityProblems(podSecurity: PodSecurityException | undefined): string[] {
  if (podSecurity === undefined) return [];
  const problems: string[] = [];
  if (podSecurity.level !== "privileged" && podSecurity.level !== "baseline") {
    problems.push(
      `podSecurity.level ${JSON.stringify(podSecurity.level)} is not an exception — privileged or baseline; leave podSecurity out for restricted`,
    );
  }
  if (typeof podSecurity.reason !== "string" || podSecurity.reason.trim().length < minimumReasonLength) {
    problems.push(
      `podSecurity.reason must say in at least ${minimumReasonLength} characters why the app cannot run restricted`,
    );
  }
  return problems;
}

function sourceProblems(source: AppSource | undefined): string[] {
  const { helm, git } = source ?? {};
  if ((helm === undefined) === (git === undefined)) {
    return [
      "source needs exactly one of helm or git — a Helm chart (repoUrl, chart, version) or a Git path (repoUrl, path)",
    ];
  }
  const required: Record<string, string | undefined> = helm
    ? {
        "source.helm.repoUrl": helm.repoUrl,
        "source.helm.chart": helm.chart,
        "source.helm.version": helm.version,
      }
    : { "source.git.repoUrl": git?.repoUrl, "source.git.path": git?.path };
  if (git?.revision !== undefined) required["source.git.revision"] = git.revision;
  return Object.entries(required)
    .filter(([, value]) => typeof value !== "string" || value.trim() === "")
    .map(([prop]) => `${prop} is empty`);
}

function torrentPortProblems({ profile, torrentPort }: HomelabAppProps): string[] {
  const torrentProfiles = profilesWhere((allowances) => allowances.torrentFromAnywhere);
  if (networkProfiles[profile].torrentFromAnywhere && torrentPort === undefined) {
    return [`torrentPort is required for profile ${profile} — the inbound BitTorrent port, such as 6881`];
  }
  if (!networkProfiles[profile].torrentFromAnywhere && torrentPort !== undefined) {
    return [`torrentPort is only for profile ${torrentProfiles} — remove it, or change the profile`];
  }
  return portProblems("torrentPort", torrentPort);
}

function exposureProblems({ profile, exposures = [], publicGateway }: HomelabAppProps): string[] {
  if (!networkProfiles[profile].fromGateways && exposures.length > 0) {
    const gatewayProfiles = profilesWhere((allowances) => allowances.fromGateways);
    return [
      `exposures must be empty for profile ${profile}, which accepts no traffic from gateways — remove them, or choose ${gatewayProfiles}`,
    ];
  }
  const seenHosts = new Set<string>();
  return exposures.flatMap((exposure: AppExposure, index) => {
    const at = `exposures[${index}]`;
    const problems = [
      ...portProblems(`${at}.port`, exposure.port),
      ...portProblems(`${at}.targetPort`, exposure.targetPort),
    ];
    if (typeof exposure.host !== "string" || !hostname.test(exposure.host)) {
      problems.push(
        `${at}.host ${JSON.stringify(exposure.host)} is not a hostname — such as vault.example.org`,
      );
    } else if (seenHosts.has(exposure.host)) {
      problems.push(`${at}.host ${exposure.host} is exposed twice — give each hostname one exposure`);
    }
    seenHosts.add(exposure.host);
    if (typeof exposure.service !== "string" || !dns1035Label.test(exposure.service)) {
      problems.push(
        `${at}.service ${JSON.stringify(exposure.service)} is not a Service name — a DNS label starting with a letter`,
      );
    }
    const isPublic = sameGateway(exposure.gateway, publicGateway);
    if (isPublic && exposure.access === undefined) {
      problems.push(
        `${at}.access is required on the public gateway — true puts Cloudflare Access in front of ${exposure.host}, false publishes it to everyone`,
      );
    }
    if (!isPublic && exposure.access !== undefined) {
      problems.push(
        `${at}.access is only for exposures on publicGateway — remove it, or expose ${exposure.host} on the public gateway`,
      );
    }
    const audience = exposure.accessAudience;
    if (exposure.access === true && (typeof audience !== "string" || audience.trim() === "")) {
      problems.push(
        `${at}.accessAudience is required when access is true — the AUD tag of the Cloudflare Access application in front of ${exposure.host}, which the gateway checks tokens against`,
      );
    }
    if (exposure.access !== true && audience !== undefined) {
      problems.push(`${at}.accessAudience is only for exposures with access: true — remove it`);
    }
    return problems;
  });
}

function profilesWhere(allows: (allowances: ProfileAllowances) => boolean): string {
  return Object.entries(networkProfiles)
    .filter(([, allowances]) => allows(allowances))
    .map(([profile]) => profile)
    .join(" or ");
}
