import { Testing } from "cdk8s";
import type { GatewayRef } from "../../constructs/gateway-ref";
import { HomelabApp, type AppExposure, type HomelabAppProps } from "../../constructs/homelab-app";

/** Gateways, sources and apps that the HomelabApp tests share. */
export type Manifest = { kind: string; metadata: { name: string; namespace?: string } } & Record<
  string,
  unknown
>;

export const gatewayNamespace = "envoy-gateway-system";

export function gateway(name: string): GatewayRef {
  return {
    name,
    namespace: gatewayNamespace,
    attachLabel: { key: `gateway.homelab.example/${name}`, value: "true" },
    proxyNamespace: gatewayNamespace,
    proxyPodLabels: {
      "gateway.envoyproxy.io/owning-gateway-name": name,
      "gateway.envoyproxy.io/owning-gateway-namespace": gatewayNamespace,
    },
    address: name === "public" ? "192.168.1.241" : "192.168.1.240",
    httpsListener: "https",
  };
}

export const internalGateway = gateway("internal");
export const publicGateway = gateway("public");

export const vaultwardenChart = {
  helm: {
    repoUrl: "https://guerzon.github.io/vaultwarden",
    chart: "vaultwarden",
    version: "0.31.8",
    values: { domain: "https://vault.example.org", serviceAccount: { create: false, name: "vaultwarden" } },
  },
};

export function gitSource(path: string) {
  return { git: { repoUrl: "https://git.example.org/lab/apps.git", path } };
}

export function internalExposure(host: string, service: string): AppExposure {
  return { host, gateway: internalGateway, service, port: 80, targetPort: 8080 };
}

/** The AUD tag of the Access application in front of vault.example.org (a made-up one). */
export const vaultAudience = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";

/** Vaultwarden on both gateways, calling a Postgres app: the example of the README. */
export function fullApp() {
  const chart = Testing.chart();
  const postgres = new HomelabApp(chart, "postgres", {
    name: "postgres",
    profile: "web-app-internal",
    source: gitSource("postgres"),
  });
  const vaultwarden = new HomelabApp(chart, "vaultwarden", {
    name: "vaultwarden",
    profile: "web-app",
    source: vaultwardenChart,
    exposures: [
      internalExposure("vault.home.example.org", "vaultwarden"),
      {
        host: "vault.example.org",
        gateway: publicGateway,
        service: "vaultwarden",
        port: 80,
        targetPort: 8080,
        access: true,
        accessAudience: vaultAudience,
      },
    ],
    publicGateway,
    accessTeamName: "lab-team",
    allowTo: [postgres],
  });
  const objects = Testing.synth(chart) as Manifest[];
  const find = (kind: string, name: string, namespace?: string) => {
    const found = objects.find(
      (o) =>
        o.kind === kind &&
        o.metadata.name === name &&
        (namespace === undefined || o.metadata.namespace === namespace),
    );
    if (!found) throw new Error(`no ${kind}/${name} synthesized`);
    return found;
  };
  return { vaultwarden, objects, find };
}

export function synthOne(overrides: Partial<HomelabAppProps> = {}) {
  const chart = Testing.chart();
  new HomelabApp(chart, "app", {
    name: "vaultwarden",
    profile: "web-app",
    source: vaultwardenChart,
    ...overrides,
  });
  return Testing.synth(chart) as Manifest[];
}
