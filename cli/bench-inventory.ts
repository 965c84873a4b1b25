import { networkProfiles } from "../inventory";

/**
 * A valid single-cluster inventory with `appCount` apps, every network profile and both gateways
 * in use, for measuring how render scales with the number of apps.
 */
export function syntheticInventory(appCount: number): Record<string, unknown> {
  const apps = Array.from({ length: appCount }, (_, index) => {
    const name = `app-${String(index).padStart(4, "0")}`;
    const profile = networkProfiles[index % networkProfiles.length];
    const isPublic = index % 3 === 0;
    return {
      name,
      profile,
      ...(profile === "media-server" ? { torrentPort: 51413 } : {}),
      ...(index > 0 && index % 5 === 0 ? { allowTo: [`app-${String(index - 1).padStart(4, "0")}`] } : {}),
      source:
        index % 2 === 0
          ? {
              helm: {
                repoUrl: "https://charts.example.com",
                chart: name,
                version: "1.0.0",
                values: { replicas: 1 },
              },
            }
          : { git: { repoUrl: "https://github.com/example/apps", path: `apps/${name}`, revision: "main" } },
      expose:
        profile === "worker"
          ? []
          : [
              {
                host: `${name}.example.com`,
                gateway: isPublic ? "public" : "internal",
                service: name,
                port: 8080,
                targetPort: 8080,
                ...(isPublic ? { access: index % 2 === 0 } : {}),
              },
            ],
    };
  });
  return {
    name: "bench",
    domain: "example.com",
    network: {
      subnet: "10.50.0.0/24",
      gateway: "10.50.0.1",
      nameservers: ["10.50.0.1"],
      vip: "10.50.0.10",
      loadBalancerPool: ["10.50.0.200-10.50.0.250"],
    },
    nodes: [1, 2, 3].map((n) => ({
      name: `bench-cp${n}`,
      role: "controlplane",
      address: `10.50.0.${10 + n}`,
      host: { kind: "proxmox", name: `pve${n}`, vmId: 100 + n },
    })),
    proxmox: { hosts: [1, 2, 3].map((n) => ({ name: `pve${n}`, endpoint: `https://pve${n}.lan:8006/` })) },
    gateways: { internal: "10.50.0.200", public: "10.50.0.201" },
    cloudflare: {
      accountId: "0123456789abcdef0123456789abcdef",
      zone: "example.com",
      zoneId: "fedcba9876543210fedcba9876543210",
      access: { teamName: "bench", emails: ["me@example.com"] },
    },
    platform: { certManager: { acmeEmail: "me@example.com" } },
    apps,
  };
}
