import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { renderCluster } from "../../cli/render-cluster";
import type { HelmChart } from "../../constructs/platform-component";
import { loadInventoryFile } from "../../inventory";
import { helmChartArgs } from "../../stacks/helm-chart-args";
import { withAccessAudiences } from "../../stacks/builders";
import { fakeAccessAudience } from "../support/edge-fakes";
import { isSecret, valueOf, type Registration } from "../support/pulumi-harness";
import { componentFileStem } from "../../charts/components";
import { runProgram, stackConfig } from "../support/run-program";

const root = path.resolve(__dirname, "../..");
/** How the engine receives a secret value: wrapped with Pulumi's secret signature. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const fakeSecrets = {
  "homelab:cloudflareApiToken": "fake-api-token",
  "homelab:cloudflareDnsToken": "fake-dns-token",
};

const byName = (a: { name?: unknown }, b: { name?: unknown }) => String(a.name).localeCompare(String(b.name));

/** Names this registration depends on, directly or through other registrations. */
function dependencyClosure(registrations: readonly Registration[], start: Registration): Set<string> {
  const byName = new Map(registrations.map((registration) => [registration.name, registration]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    byName.get(name)?.dependsOn.forEach(visit);
  };
  start.dependsOn.forEach(visit);
  return seen;
}

/** Which upstream chart installs the CRDs of each API group the platform uses. */
const crdChartOfGroup: Record<string, string> = {
  "metallb.io": "metallb",
  "cert-manager.io": "cert-manager",
  "gateway.networking.k8s.io": "envoy-gateway",
  "gateway.envoyproxy.io": "envoy-gateway",
  "argoproj.io": "argocd",
  // tuppr's chart carries no CRDs: the component applies them itself before its chart.
  "tuppr.home-operations.com": "08-upgrades-1-before-charts",
};

/** Kubernetes' own API groups are "", dot-less (apps, policy) or under k8s.io, except Gateway API's CRDs. */
function isCustomApiGroup(apiGroup: string): boolean {
  if (apiGroup === "gateway.networking.k8s.io") return true;
  return apiGroup.includes(".") && !apiGroup.endsWith(".k8s.io");
}

describe.each(["core", "dev", "prod"])("the program for %s", (stack) => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  const inventory = stackConfig(stack)["homelab:cluster"] as {
    name: string;
    apps: { enabled?: boolean; expose?: { host: string; gateway: string; access?: boolean }[] }[];
  };
  const exposures = inventory.apps.filter((app) => app.enabled !== false).flatMap((app) => app.expose ?? []);

  beforeAll(async () => {
    run = await runProgram(stack, fakeSecrets);
  });

  it("makes one DNS record per public hostname and none for internal ones", () => {
    const records = run
      .ofType("cloudflare:index/dnsRecord:DnsRecord")
      .map((record) => record.inputs.name)
      .sort();
    expect(records).toEqual(
      exposures
        .filter((e) => e.gateway === "public")
        .map((e) => e.host)
        .sort(),
    );
    for (const record of run.ofType("cloudflare:index/dnsRecord:DnsRecord")) {
      expect(record.inputs).toMatchObject({
        type: "CNAME",
        proxied: true,
        content: `${inventory.name}-tunnel-id.cfargotunnel.com`,
      });
    }
  });

  it("puts Cloudflare Access in front of exactly the protected hostnames", () => {
    const applications = run.ofType("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication");
    expect(applications.map((application) => application.inputs.domain).sort()).toEqual(
      exposures
        .filter((e) => e.gateway === "public" && e.access === true)
        .map((e) => e.host)
        .sort(),
    );
    expect(run.ofType("cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy")).toHaveLength(
      applications.length,
    );
  });

  it("checks each protected hostname's Access token at the gateway, against its own application's audience", () => {
    type Applied = {
      kind: string;
      metadata: { name: string; namespace: string };
      spec: {
        hostnames?: string[];
        targetRefs?: { kind: string; name: string }[];
        jwt?: { providers: { audiences: string[] }[] };
      };
    };
    const applied = run
      .ofType("kubernetes:yaml/v2:ConfigGroup")
      .flatMap((group) => (group.inputs.objs as Applied[]).map((object) => ({ group, object })));
    const routes = applied.filter(({ object }) => object.kind === "HTTPRoute");
    // The hub's ingest routes carry basic auth, not Access tokens (test/stacks/observability.test.ts).
    const policies = applied.filter(({ object }) => object.kind === "SecurityPolicy" && object.spec.jwt);
    const applications = run.ofType("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication");
    const protectedHosts = exposures
      .filter((e) => e.gateway === "public" && e.access === true)
      .map((e) => e.host);
    // dev and prod protect some hostnames; core protects none.
    expect(protectedHosts.length > 0).toBe(stack !== "core");
    // One policy per protected hostname, none for any other route.
    expect(
      policies.map(({ object }) => object.spec.targetRefs!.map((ref) => `${ref.kind}/${ref.name}`)).sort(),
    ).toEqual(protectedHosts.map((host) => [`HTTPRoute/${host}`]).sort());
    for (const { group, object } of policies) {
      const [target] = object.spec.targetRefs!;
      const route = routes.find(
        (each) =>
          each.object.metadata.namespace === object.metadata.namespace &&
          each.object.metadata.name === target.name,
      )!;
      const [host] = route.object.spec.hostnames!;
      const application = applications.find((each) => each.inputs.domain === host)!;
      // The audience is the output of that hostname's application, and the group waits for it.
      expect(object.spec.jwt!.providers.map((provider) => provider.audiences)).toEqual([
        [fakeAccessAudience(String(application.inputs.domain))],
      ]);
      expect(dependencyClosure(run.registrations, group)).toContain(application.name);
    }
    for (const { object } of routes) {
      // Every other route, the gateways' own (HTTP to HTTPS redirects) included, demands no token.
      const hosts = object.spec.hostnames ?? [];
      if (hosts.some((host) => protectedHosts.includes(host))) continue;
      expect([
        `${object.metadata.namespace}/${object.metadata.name}`,
        policies.some(
          ({ object: policy }) =>
            policy.metadata.namespace === object.metadata.namespace &&
            policy.spec.targetRefs!.some((ref) => ref.name === object.metadata.name),
        ),
      ]).toEqual([`${object.metadata.namespace}/${object.metadata.name}`, false]);
    }
  });

  it("routes the tunnel to the public gateway, catch-all last", () => {
    const [config] = run.ofType(
      "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
    );
    const ingresses = (config.inputs.config as { ingresses: { hostname?: string; service: string }[] })
      .ingresses;
    expect(ingresses[ingresses.length - 1]).toEqual({ service: "http_status:404" });
    for (const ingress of ingresses.slice(0, -1)) {
      expect(ingress.service).toBe("https://envoy-public.envoy-gateway-system.svc.cluster.local:443");
    }
  });

  it("applies one ConfigGroup per component that has objects, plus the namespaces", () => {
    const groups = run
      .ofType("kubernetes:yaml/v2:ConfigGroup")
      .map((group) => group.name)
      .sort();
    expect(groups).toEqual(
      [
        "namespaces",
        // The storage provisioner's NetworkPolicies: its only objects of its own.
        "01-storage",
        "02-metallb-3-after-charts",
        "02-metallb",
        "03-cert-manager-3-after-charts",
        "03-cert-manager",
        "04-envoy-gateway-1-before-charts",
        "04-envoy-gateway",
        "05-cloudflared",
        "06-argocd",
        // The hub: Mimir's bucket Job beside the charts; a spoke's collectors have objects of their own only.
        ...(stack === "core" ? ["07-lgtm-2-with-charts", "07-lgtm"] : ["07-lgtm"]),
        // tuppr's CRDs (its chart has none), its webhook's readiness gate, the upgrade resources.
        "08-upgrades-1-before-charts",
        "08-upgrades-3-after-charts",
        "08-upgrades",
        "09-apps",
      ]
        .map((stem) => `${inventory.name}-${stem}`)
        .sort(),
    );
  });

  it("makes every ConfigGroup of custom resources wait for the chart that installs their CRDs", () => {
    let checked = 0;
    for (const group of run.ofType("kubernetes:yaml/v2:ConfigGroup")) {
      const closure = dependencyClosure(run.registrations, group);
      const customGroups = new Set(
        (group.inputs.objs as { apiVersion: string }[])
          .map((object) => object.apiVersion.split("/"))
          .filter(([apiGroup, version]) => version !== undefined && isCustomApiGroup(apiGroup))
          .map(([apiGroup]) => apiGroup),
      );
      for (const apiGroup of customGroups) {
        expect([apiGroup, crdChartOfGroup[apiGroup]]).toEqual([apiGroup, expect.any(String)]);
        expect([group.name, closure.has(`${inventory.name}-${crdChartOfGroup[apiGroup]}`)]).toEqual([
          group.name,
          true,
        ]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("applies the components in order: each chart waits for the component before it", () => {
    const closureOf = (chart: string) =>
      dependencyClosure(
        run.registrations,
        run
          .ofType("kubernetes:helm.sh/v4:Chart")
          .find((registration) => registration.name === `${inventory.name}-${chart}`)!,
      );
    expect(closureOf("metallb")).toContain(`${inventory.name}-local-path-provisioner`);
    expect(closureOf("cert-manager")).toContain(`${inventory.name}-02-metallb`);
    expect(closureOf("envoy-gateway")).toContain(`${inventory.name}-03-cert-manager`);
    expect(closureOf("argocd")).toContain(`${inventory.name}-05-cloudflared`);
  });

  it("patches Argo CD's default project, which its server made first, instead of creating it", () => {
    const [patch, ...more] = run.ofType("kubernetes:argoproj.io/v1alpha1:AppProjectPatch");
    expect(more).toEqual([]);
    expect(patch.inputs).toMatchObject({
      metadata: { name: "default", namespace: "argocd", annotations: { "pulumi.com/patchForce": "true" } },
      spec: { sourceRepos: [], destinations: [], clusterResourceWhitelist: [] },
    });
    // After the chart whose server makes it.
    expect(dependencyClosure(run.registrations, patch)).toContain(`${inventory.name}-argocd`);
    const objects = run
      .ofType("kubernetes:yaml/v2:ConfigGroup")
      .flatMap((group) => group.inputs.objs as { kind: string; metadata: { name: string } }[]);
    expect(
      objects.filter((object) => object.kind === "AppProject" && object.metadata.name === "default"),
    ).toEqual([]);
  });

  it("installs Cilium between the bootstrap and the full health gate, before any other chart", () => {
    const at = (predicate: (event: (typeof run.timeline)[number]) => boolean) =>
      run.timeline.findIndex(predicate);
    const bootstrap = at(
      (event) => event.kind === "register" && event.name === `${inventory.name}-bootstrap`,
    );
    const cilium = at((event) => event.kind === "register" && event.name === `${inventory.name}-cilium`);
    const fullHealth = at(
      (event) =>
        event.kind === "invoke" &&
        event.token === "talos:cluster/getHealth:getHealth" &&
        event.inputs.skipKubernetesChecks === false,
    );
    expect(bootstrap).toBeGreaterThanOrEqual(0);
    expect(bootstrap).toBeLessThan(cilium);
    expect(cilium).toBeLessThan(fullHealth);
    const laterCharts = run.timeline.flatMap((event, index) =>
      event.kind === "register" &&
      event.type === "kubernetes:helm.sh/v4:Chart" &&
      event.name !== `${inventory.name}-cilium`
        ? [index]
        : [],
    );
    expect(laterCharts.length).toBeGreaterThan(0);
    for (const index of laterCharts) expect(index).toBeGreaterThan(fullHealth);
  });

  /** The readiness gate's group of each API group an admission webhook guards, and the gate's Job. */
  const gates: Record<string, { group: string; chart: string; job: string }> = {
    "metallb.io": { group: "02-metallb-3-after-charts", chart: "metallb", job: "metallb-webhook-gate" },
    "cert-manager.io": {
      group: "03-cert-manager-3-after-charts",
      chart: "cert-manager",
      job: "cert-manager-startupapicheck",
    },
    "acme.cert-manager.io": {
      group: "03-cert-manager-3-after-charts",
      chart: "cert-manager",
      job: "cert-manager-startupapicheck",
    },
  };
  const group = (stem: string) =>
    run.ofType("kubernetes:yaml/v2:ConfigGroup").find((each) => each.name === `${inventory.name}-${stem}`)!;
  const objectsOf = (registration: { inputs: Record<string, unknown> }) =>
    registration.inputs.objs as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
    }[];

  it("makes every custom resource of a webhook-guarded component wait for the component's readiness gate", () => {
    let checked = 0;
    for (const each of run.ofType("kubernetes:yaml/v2:ConfigGroup")) {
      const closure = dependencyClosure(run.registrations, each);
      for (const object of objectsOf(each)) {
        const gate = gates[object.apiVersion.split("/")[0]];
        if (!gate || object.kind === "CustomResourceDefinition") continue;
        expect([each.name, object.kind, closure.has(`${inventory.name}-${gate.group}`)]).toEqual([
          each.name,
          object.kind,
          true,
        ]);
        checked += 1;
      }
    }
    // The pools, the advertisement, the issuers and the wildcard certificate at least.
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it("runs each readiness gate after its chart: a Job in the group, nothing else the component applies", () => {
    for (const gate of Object.values(gates)) {
      const gateGroup = group(gate.group);
      expect(dependencyClosure(run.registrations, gateGroup)).toContain(`${inventory.name}-${gate.chart}`);
      const jobs = objectsOf(gateGroup).filter((object) => object.kind === "Job");
      expect(jobs.map((job) => job.metadata.labels?.["app.kubernetes.io/name"])).toEqual([gate.job]);
      expect(objectsOf(gateGroup).filter((object) => gates[object.apiVersion.split("/")[0]])).toEqual([]);
    }
  });

  it("creates what the charts' hooks would have made before the charts that mount it", () => {
    const closureOfChart = (release: string) =>
      dependencyClosure(
        run.registrations,
        run
          .ofType("kubernetes:helm.sh/v4:Chart")
          .find((registration) => registration.name === `${inventory.name}-${release}`)!,
      );
    // gateway-helm's certgen Job writes the TLS Secrets the controller mounts.
    expect(closureOfChart("envoy-gateway")).toContain(`${inventory.name}-04-envoy-gateway-1-before-charts`);
    expect(
      objectsOf(group("04-envoy-gateway-1-before-charts"))
        .filter((object) => object.kind === "Job")
        .map((job) => job.metadata.labels?.["app.kubernetes.io/name"]),
    ).toEqual(["envoy-gateway-gateway-helm-certgen"]);
    // argo-cd's redis-secret-init made argocd-redis; Pulumi makes it, and the chart no longer tries.
    expect(closureOfChart("argocd")).toContain(`${inventory.name}-argocd-redis`);
    const argocd = run
      .ofType("kubernetes:helm.sh/v4:Chart")
      .find((registration) => registration.name === `${inventory.name}-argocd`)!;
    expect((argocd.inputs.values as { redisSecretInit: unknown }).redisSecretInit).toEqual({
      enabled: false,
    });
    if (stack === "core") {
      // MinIO's root credentials before its chart; its buckets after it, before Mimir's objects.
      expect(closureOfChart("mimir")).toContain(`${inventory.name}-mimir-object-store`);
      // Beside the chart, since Mimir only becomes ready once they exist: the Job retries until MinIO answers.
      const buckets = group("07-lgtm-2-with-charts");
      expect(dependencyClosure(run.registrations, buckets)).toContain(`${inventory.name}-mimir-object-store`);
      expect(dependencyClosure(run.registrations, buckets)).not.toContain(`${inventory.name}-mimir`);
      expect(dependencyClosure(run.registrations, group("07-lgtm"))).toContain(buckets.name);
    }
  });

  it("generates argocd-redis from a RandomPassword and keeps it secret", () => {
    const secret = run
      .ofType("kubernetes:core/v1:Secret")
      .find((registration) => registration.name === `${inventory.name}-argocd-redis`)!;
    expect(secret.inputs.metadata).toMatchObject({ name: "argocd-redis", namespace: "argocd" });
    expect(secret.inputs.stringData).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: { auth: "fake-password-32" },
    });
    const password = run
      .ofType("random:index/randomPassword:RandomPassword")
      .find((registration) => registration.name === `${inventory.name}-argocd-redis-auth`)!;
    expect(password.inputs).toMatchObject({ length: 32, special: false });
    expect(secret.dependsOn).toContain(password.name);
  });

  it("applies the apps after the Argo CD chart", () => {
    const apps = run
      .ofType("kubernetes:yaml/v2:ConfigGroup")
      .find((group) => group.name.endsWith(`-${componentFileStem("apps")}`))!;
    expect(dependencyClosure(run.registrations, apps)).toContain(`${inventory.name}-argocd`);
  });

  it("gives cloudflared its tunnel token in a secret Secret", () => {
    const secret = run
      .ofType("kubernetes:core/v1:Secret")
      .find((registration) => registration.name === `${inventory.name}-cloudflared-tunnel-token`)!;
    expect(secret.inputs.metadata).toMatchObject({
      name: "cloudflared-tunnel-token",
      namespace: "cloudflared",
    });
    expect(secret.inputs.stringData).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: { token: "fake-tunnel-token" },
    });
  });

  it("gives cert-manager the DNS-01 token in a secret Secret", () => {
    const secret = run
      .ofType("kubernetes:core/v1:Secret")
      .find((registration) => registration.name === `${inventory.name}-cloudflare-dns-token`)!;
    expect(secret.inputs.metadata).toMatchObject({ name: "cloudflare-dns-token", namespace: "cert-manager" });
    expect(secret.inputs.stringData).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: { "api-token": "fake-dns-token" },
    });
  });

  it("applies exactly what render writes: every Helm chart and every object", () => {
    const files = new Map(
      renderCluster(loadInventoryFile(path.join(root, `Pulumi.${stack}.yaml`)), stack).map((file) => [
        file.path,
        parseAllDocuments(file.content).map((document) => document.toJS() as Record<string, unknown>),
      ]),
    );
    const renderedCharts = [...files]
      .filter(([file]) => file.startsWith("helm/"))
      .flatMap(([, charts]) => charts);
    const appliedCharts = run.ofType("kubernetes:helm.sh/v4:Chart");
    expect(appliedCharts.map((chart) => chart.inputs).sort(byName)).toEqual(
      renderedCharts.map((chart) => helmChartArgs(chart as unknown as HelmChart)).sort(byName),
    );

    // Each group's objects, and after them the objects it patches rather than creates.
    const prefix = `${inventory.name}-`;
    const groups = run.ofType("kubernetes:yaml/v2:ConfigGroup");
    const patches = run.registrations.filter((registration) => registration.type.endsWith("Patch"));
    const stems = new Set(groups.map((group) => group.name.slice(prefix.length)));
    // A patch is named `<cluster>-<stem>-<kind>-<name>`: its stem is the longest rendered one it starts with.
    const stemOf = (patch: Registration) =>
      [...files.keys()]
        .filter((file) => file.startsWith("k8s/"))
        .map((file) => file.slice("k8s/".length, -".yaml".length).replace(/^00-/, ""))
        .filter((stem) => patch.name.startsWith(`${prefix}${stem}-`))
        .sort((a, b) => b.length - a.length)[0];
    for (const patch of patches) stems.add(stemOf(patch));
    const appliedGroups = new Map(
      [...stems].map((stem) => [
        stem,
        [
          ...((groups.find((group) => group.name === `${prefix}${stem}`)?.inputs.objs as unknown[]) ?? []),
          ...patches.filter((patch) => stemOf(patch) === stem).map((patch) => patch.inputs),
        ],
      ]),
    );
    const renderedGroups = new Map(
      [...files]
        .filter(([file]) => file.startsWith("k8s/"))
        .map(([file, objects]) => [
          file.slice("k8s/".length, -".yaml".length).replace(/^00-/, ""),
          // The one difference: each Access application's AUD tag in place of its placeholder.
          withAccessAudiences(objects, fakeAccessAudience),
        ]),
    );
    expect(appliedGroups).toEqual(renderedGroups);

    // The bootstrap Secrets: render lists their names and keys, Pulumi makes exactly those.
    const renderedSecrets = (
      files.get("bootstrap-secrets.yaml")![0] as unknown as {
        namespace: string;
        name: string;
        keys: Record<string, string>;
      }[]
    ).map((secret) => ({
      namespace: secret.namespace,
      name: secret.name,
      keys: Object.keys(secret.keys).sort(),
    }));
    const appliedSecrets = run.ofType("kubernetes:core/v1:Secret").map((secret) => ({
      namespace: (secret.inputs.metadata as { namespace: string }).namespace,
      name: (secret.inputs.metadata as { name: string }).name,
      keys: Object.keys((secret.inputs.stringData as { value: Record<string, string> }).value).sort(),
    }));
    expect(appliedSecrets.sort(byName)).toEqual(renderedSecrets.sort(byName));
    // Render holds names only: no generated or configured value appears in any file.
    for (const [file, documents] of files) {
      expect({ file, leaks: /fake-/.test(JSON.stringify(documents)) }).toEqual({ file, leaks: false });
    }
  });

  it("exports each node class's boot image with the schematic id the Image Factory gave", async () => {
    const images = await valueOf(run.program.bootImages);
    expect(Object.keys(images).length).toBeGreaterThan(0);
    for (const url of Object.values(images)) {
      expect(url).toMatch(
        new RegExp(
          `^https://factory\\.talos\\.dev/image/${inventory.name}-schematic-[a-z0-9-]+-id/v1\\.13\\.9/(metal|nocloud)-amd64\\.iso$`,
        ),
      );
    }
  });

  it("keeps every output that carries a credential secret", async () => {
    expect(await isSecret(run.program.kubeconfig)).toBe(true);
    expect(await isSecret(run.program.talosconfig)).toBe(true);
    expect(run.program.apiEndpoint).toBe(
      `https://${(stackConfig(stack)["homelab:cluster"] as { network: { vip: string } }).network.vip}:6443`,
    );
  });
});
