import { type HomelabAppProps } from "../../constructs/homelab-app";
import type { NetworkProfile } from "../../constructs/network-profiles";
import {
  internalGateway,
  publicGateway,
  vaultwardenChart,
  gitSource,
  internalExposure,
  synthOne,
} from "./homelab-app-fixtures";

describe("HomelabApp props validation", () => {
  const exposure = internalExposure("vault.home.example.org", "vaultwarden");
  const publicExposure = { ...exposure, host: "vault.example.org", gateway: publicGateway };

  it.each<[string, Partial<HomelabAppProps>, RegExp]>([
    ["an invalid name", { name: "Vault_Warden" }, /name "Vault_Warden" is not a DNS label/],
    ["an invalid namespace", { namespace: "-vault" }, /namespace "-vault" is not a DNS label/],
    [
      "an unknown profile",
      { profile: "database" as NetworkProfile },
      /profile "database" is unknown — one of web-app, /,
    ],
    [
      "media-server without torrentPort",
      { profile: "media-server" },
      /torrentPort is required for profile media-server/,
    ],
    [
      "torrentPort on web-app",
      { torrentPort: 6881 },
      /torrentPort is only for profile media-server — remove it/,
    ],
    [
      "torrentPort out of range",
      { profile: "media-server", torrentPort: 70000 },
      /torrentPort 70000 is not a port — an integer from 1 to 65535/,
    ],
    [
      "worker with exposures",
      { profile: "worker", exposures: [exposure] },
      /exposures must be empty for profile worker, which accepts no traffic from gateways/,
    ],
    ["port 0", { exposures: [{ ...exposure, port: 0 }] }, /exposures\[0\]\.port 0 is not a port/],
    [
      "a fractional port",
      { exposures: [{ ...exposure, port: 80.5 }] },
      /exposures\[0\]\.port 80.5 is not a port/,
    ],
    [
      "targetPort 65536",
      { exposures: [{ ...exposure, targetPort: 65536 }] },
      /exposures\[0\]\.targetPort 65536 is not a port/,
    ],
    [
      "an invalid host",
      { exposures: [{ ...exposure, host: "Vault.example.org" }] },
      /exposures\[0\]\.host "Vault.example.org" is not a hostname/,
    ],
    [
      "a host exposed twice",
      { exposures: [exposure, exposure] },
      /exposures\[1\]\.host vault.home.example.org is exposed twice/,
    ],
    [
      "an invalid service",
      { exposures: [{ ...exposure, service: "8080" }] },
      /exposures\[0\]\.service "8080" is not a Service name/,
    ],
    [
      "a public exposure without an Access decision",
      { publicGateway, exposures: [{ ...exposure, gateway: publicGateway }] },
      /exposures\[0\]\.access is required on the public gateway — true puts Cloudflare Access in front/,
    ],
    [
      "access on an internal exposure",
      { publicGateway, exposures: [{ ...exposure, access: false }] },
      /exposures\[0\]\.access is only for exposures on publicGateway/,
    ],
    [
      "access without the Access application's audience",
      { publicGateway, accessTeamName: "lab-team", exposures: [{ ...publicExposure, access: true }] },
      /exposures\[0\]\.accessAudience is required when access is true — the AUD tag of the Cloudflare Access application in front of vault\.example\.org/,
    ],
    [
      "a blank audience",
      {
        publicGateway,
        accessTeamName: "lab-team",
        exposures: [{ ...publicExposure, access: true, accessAudience: " " }],
      },
      /exposures\[0\]\.accessAudience is required when access is true/,
    ],
    [
      "an audience without access",
      { publicGateway, exposures: [{ ...publicExposure, access: false, accessAudience: "aud" }] },
      /exposures\[0\]\.accessAudience is only for exposures with access: true — remove it/,
    ],
    [
      "access without a team",
      { publicGateway, exposures: [{ ...publicExposure, access: true, accessAudience: "aud" }] },
      /accessTeamName is required when an exposure sets access: true — the <team> of <team>\.cloudflareaccess\.com/,
    ],
    [
      "a team name that is no DNS label",
      { publicGateway, accessTeamName: "lab-team.cloudflareaccess.com" },
      /accessTeamName "lab-team\.cloudflareaccess\.com" is not a team name/,
    ],
    [
      "a short podSecurity reason",
      { podSecurity: { level: "privileged", reason: "needs it" } },
      /podSecurity\.reason must say in at least 10 characters/,
    ],
    [
      "podSecurity restricted",
      { podSecurity: { level: "restricted" as "baseline", reason: "as strict as it gets" } },
      /podSecurity\.level "restricted" is not an exception/,
    ],
    [
      "both Helm and Git",
      { source: { ...vaultwardenChart, ...gitSource("x") } as never },
      /source needs exactly one of helm or git/,
    ],
    ["no source", { source: {} as never }, /source needs exactly one of helm or git/],
    [
      "an empty chart version",
      { source: { helm: { ...vaultwardenChart.helm, version: "" } } },
      /source\.helm\.version is empty/,
    ],
    [
      "an empty Git path",
      { source: { git: { repoUrl: "https://git.example.org/x.git", path: " " } } },
      /source\.git\.path is empty/,
    ],
  ])("rejects %s", (_case, overrides, message) => {
    expect(() => synthOne(overrides)).toThrow(message);
  });

  it("names the app and lists every problem at once", () => {
    expect(() =>
      synthOne({ profile: "media-server", podSecurity: { level: "baseline", reason: "" } }),
    ).toThrow(
      'HomelabApp "vaultwarden": podSecurity.reason must say in at least 10 characters why the app cannot run restricted; torrentPort is required for profile media-server — the inbound BitTorrent port, such as 6881',
    );
  });

  it("rejects gateways that ask for different values of one attach label", () => {
    const clash = {
      ...publicGateway,
      attachLabel: { key: internalGateway.attachLabel.key, value: "public" },
    };
    expect(() =>
      synthOne({ exposures: [exposure, { ...exposure, host: "vault.example.org", gateway: clash }] }),
    ).toThrow(
      /gateways ask for namespace label gateway\.homelab\.example\/internal=true and gateway\.homelab\.example\/internal=public/,
    );
  });
});
