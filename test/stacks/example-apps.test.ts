import * as path from "node:path";
import { loadInventoryFile, type App } from "../../inventory";

/**
 * What the example apps' charts need, read from each chart at the version the stack files pin: where
 * the chart takes the pod's and the container's security context (or why its defaults already meet
 * Pod Security `restricted`), and which Service port leads to which container port. A chart the
 * stack files use without an entry here, or at another version, fails: someone has to read it.
 */
interface ChartFacts {
  readonly version: string;
  /** Values paths of the pod and container security contexts; absent when the defaults comply. */
  readonly securityContexts?: { readonly pod: string; readonly container: string };
  readonly compliantByDefault?: string;
  /** The Service the chart creates, by name as an exposure names it: its port and the pods' port. */
  readonly services: ReadonlyMap<string, { readonly port: number; readonly targetPort: number }>;
}

const chartFacts = new Map<string, ChartFacts>([
  // guerzon/vaultwarden v0.34.4: values.yaml podSecurityContext/securityContext are empty;
  // templates/service.yaml sends port 80 to the container's 8080 (ROCKET_PORT).
  [
    "vaultwarden",
    {
      version: "0.34.4",
      securityContexts: { pod: "podSecurityContext", container: "securityContext" },
      services: new Map([["vaultwarden", { port: 80, targetPort: 8080 }]]),
    },
  ],
  // dirsigler/uptime-kuma-helm 2.21.2: empty security contexts, service.port 3001 = containerPort.
  [
    "uptime-kuma",
    {
      version: "2.21.2",
      securityContexts: { pod: "podSecurityContext", container: "securityContext" },
      services: new Map([["uptime-kuma", { port: 3001, targetPort: 3001 }]]),
    },
  ],
  // jameswynn/helm-charts homepage 2.1.0 (bjw-s common 1.5.1): top-level contexts, service.main port 3000.
  [
    "homepage",
    {
      version: "2.1.0",
      securityContexts: { pod: "podSecurityContext", container: "securityContext" },
      services: new Map([["homepage", { port: 3000, targetPort: 3000 }]]),
    },
  ],
  // 8gears/n8n-helm-chart 1.0.15: main.podSecurityContext sets only the user; main.service.port 80
  // goes to the container port `http`, 5678.
  [
    "n8n",
    {
      version: "1.0.15",
      securityContexts: { pod: "main.podSecurityContext", container: "main.securityContext" },
      services: new Map([["n8n", { port: 80, targetPort: 5678 }]]),
    },
  ],
  [
    "postgresql",
    {
      version: "16.7.27",
      compliantByDefault:
        "bitnami postgresql 16.7.27: primary.podSecurityContext and primary.containerSecurityContext default to runAsNonRoot, seccomp RuntimeDefault, no privilege escalation and drop ALL",
      services: new Map(),
    },
  ],
  // immich-app/immich-charts 0.10.3: the server Service's port 2283 is the container's; the app runs
  // at baseline by a recorded exception.
  ["immich", { version: "0.10.3", services: new Map([["immich-server", { port: 2283, targetPort: 2283 }]]) }],
]);

const stackFiles = ["Pulumi.core.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"];
const helmApps = stackFiles.flatMap((file) =>
  loadInventoryFile(path.resolve(__dirname, "../..", file), file)
    .apps.filter((app) => app.enabled && app.source.helm)
    .map((app) => ({ file, app, helm: app.source.helm! })),
);

function at(values: unknown, dottedPath: string): Record<string, unknown> | undefined {
  let current: unknown = values;
  for (const key of dottedPath.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current !== null && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
}

/** What Pod Security `restricted` asks of a pod and its containers that a chart's values decide. */
function restrictedProblems(
  pod: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): string[] {
  const problems: string[] = [];
  const seccomp = (container.seccompProfile ?? pod.seccompProfile) as { type?: string } | undefined;
  if (container.runAsNonRoot !== true && pod.runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
  if (container.runAsUser === 0 || pod.runAsUser === 0) problems.push("runs as user 0");
  if (!["RuntimeDefault", "Localhost"].includes(seccomp?.type ?? "")) problems.push("no seccomp profile");
  if (container.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
  if (container.privileged === true) problems.push("privileged");
  const capabilities = container.capabilities as { drop?: string[]; add?: string[] } | undefined;
  if (!capabilities?.drop?.includes("ALL")) problems.push("capabilities do not drop ALL");
  if ((capabilities?.add ?? []).some((capability) => capability !== "NET_BIND_SERVICE")) {
    problems.push("adds capabilities beyond NET_BIND_SERVICE");
  }
  return problems;
}

const isRestricted = (app: App) => app.podSecurity === undefined;

describe("the stack files' Helm apps", () => {
  it("are all described", () => {
    const missing = helmApps.filter(({ helm }) => chartFacts.get(helm.chart)?.version !== helm.version);
    expect(
      missing.map(({ file, app, helm }) => `${file}: ${app.name} uses ${helm.chart} ${helm.version}`),
    ).toEqual([]);
  });

  it.each(
    helmApps
      .filter(({ app }) => isRestricted(app))
      .map((entry) => [`${entry.file} ${entry.app.name}`, entry]),
  )("%s meets Pod Security restricted", (_, { helm }) => {
    const facts = chartFacts.get(helm.chart)!;
    if (facts.securityContexts === undefined) {
      expect(facts.compliantByDefault).toMatch(/\S/);
      return;
    }
    const pod = at(helm.values, facts.securityContexts.pod);
    const container = at(helm.values, facts.securityContexts.container);
    expect(restrictedProblems(pod, container)).toEqual([]);
  });

  it.each(
    helmApps.flatMap(({ file, app, helm }) =>
      app.expose.map((exposure) => [`${file} ${exposure.host}`, helm, exposure] as const),
    ),
  )("%s sends to the Service port and opens the pods' port", (_, helm, exposure) => {
    const service = chartFacts.get(helm.chart)!.services.get(exposure.service);
    expect(service).toEqual({ port: exposure.port, targetPort: exposure.targetPort });
  });
});

describe("the restricted check itself", () => {
  it("refuses the chart defaults that run as root", () => {
    expect(restrictedProblems({}, {})).toEqual([
      "runAsNonRoot is not true",
      "no seccomp profile",
      "allowPrivilegeEscalation is not false",
      "capabilities do not drop ALL",
    ]);
  });

  it("accepts a complete pair", () => {
    expect(
      restrictedProblems(
        { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      ),
    ).toEqual([]);
  });
});
