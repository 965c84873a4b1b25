import { Chart, Testing } from "cdk8s";
import { appKinds, HomelabApp } from "../../constructs/homelab-app";
import { validateManifest } from "../support/k8s-schema";
import {
  gatewayNamespace,
  vaultwardenChart,
  gitSource,
  internalExposure,
  fullApp,
  synthOne,
  type Manifest,
} from "./homelab-app-fixtures";

describe("HomelabApp", () => {
  it("synthesizes a full app", () => {
    expect(fullApp().objects).toMatchSnapshot();
  });

  it("synthesizes only objects that pass their upstream schemas", () => {
    const { objects } = fullApp();
    const gitAndPrivileged = synthOne({
      name: "jellyfin",
      profile: "media-server",
      torrentPort: 6881,
      source: {
        git: { repoUrl: "https://git.example.org/lab/apps.git", path: "jellyfin", revision: "v1.2.0" },
      },
      podSecurity: { level: "privileged", reason: "hardware transcoding needs /dev/dri" },
      exposures: [internalExposure("tv.home.example.org", "jellyfin")],
    });
    const problems = [...objects, ...gitAndPrivileged].map((object) => ({
      object: `${object.kind}/${object.metadata.name}`,
      problems: validateManifest(object),
    }));
    expect(problems).toEqual(problems.map(({ object }) => ({ object, problems: [] })));
  });

  describe("namespace", () => {
    it("enforces, audits and warns restricted by default, and admits routes of its gateways", () => {
      const { find } = fullApp();
      expect(find("Namespace", "vaultwarden").metadata).toEqual({
        name: "vaultwarden",
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          "gateway.homelab.example/internal": "true",
          "gateway.homelab.example/public": "true",
        },
      });
    });

    it("enforces an exception with its reason on record, still auditing and warning restricted", () => {
      const objects = synthOne({ podSecurity: { level: "baseline", reason: "the image runs as root" } });
      const namespace = objects.find((o) => o.kind === "Namespace");
      expect(namespace?.metadata).toEqual({
        name: "vaultwarden",
        labels: {
          "pod-security.kubernetes.io/enforce": "baseline",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: { "homelab.dev/pod-security-reason": "the image runs as root" },
      });
    });

    it("puts everything but the Argo CD objects in the namespace prop when given", () => {
      const placement = synthOne({ namespace: "passwords" }).map((o) => [
        o.kind,
        o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace,
      ]);
      const inArgo = (kind: unknown) => kind === "AppProject" || kind === "Application";
      expect(placement).toEqual(placement.map(([kind]) => [kind, inArgo(kind) ? "argocd" : "passwords"]));
    });
  });

  it("keeps the Namespace cluster-scoped in a Chart with a default namespace", () => {
    const chart = Testing.chart();
    const appsChart = new Chart(chart, "apps", { namespace: "apps" });
    new HomelabApp(appsChart, "app", { name: "vaultwarden", profile: "worker", source: gitSource("v") });
    const namespace = Testing.synth(appsChart).find((o) => o.kind === "Namespace");
    expect(namespace?.metadata).not.toHaveProperty("namespace");
  });

  it("gives the app a ServiceAccount without an API token", () => {
    const { find } = fullApp();
    expect(find("ServiceAccount", "vaultwarden", "vaultwarden").automountServiceAccountToken).toBe(false);
  });

  it("confines the Argo CD project to the app's repository and namespace, with no cluster-scoped kinds", () => {
    const { find } = fullApp();
    expect(find("AppProject", "vaultwarden")).toMatchObject({
      metadata: { name: "vaultwarden", namespace: "argocd" },
      spec: {
        sourceRepos: ["https://guerzon.github.io/vaultwarden"],
        destinations: [{ server: "https://kubernetes.default.svc", namespace: "vaultwarden" }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: appKinds.map(({ group, kind }) => ({ group, kind })),
      },
    });
    const whitelisted = appKinds.map(({ kind }) => kind);
    for (const kind of ["Role", "RoleBinding", "NetworkPolicy", "HTTPRoute"])
      expect(whitelisted).not.toContain(kind);
  });

  it("syncs a Helm chart automatically, pruning and self-healing, with retries", () => {
    const { find } = fullApp();
    expect(find("Application", "vaultwarden")).toMatchObject({
      metadata: { name: "vaultwarden", namespace: "argocd" },
      spec: {
        project: "vaultwarden",
        source: {
          repoURL: "https://guerzon.github.io/vaultwarden",
          chart: "vaultwarden",
          targetRevision: "0.31.8",
          helm: { releaseName: "vaultwarden", valuesObject: vaultwardenChart.helm.values },
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "vaultwarden" },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
        },
      },
    });
    expect(find("Application", "vaultwarden").spec).toMatchObject({
      syncPolicy: { syncOptions: expect.arrayContaining(["CreateNamespace=false"]) },
    });
  });

  it("syncs a Git path at HEAD unless a revision is given, into its Argo CD namespace", () => {
    const atHead = synthOne({ source: gitSource("vaultwarden"), argoNamespace: "gitops" });
    const pinned = synthOne({ source: { git: { ...gitSource("vaultwarden").git, revision: "v2" } } });
    const application = (objects: Manifest[]) => objects.find((o) => o.kind === "Application");
    expect(application(atHead)).toMatchObject({
      metadata: { namespace: "gitops" },
      spec: {
        source: {
          repoURL: "https://git.example.org/lab/apps.git",
          path: "vaultwarden",
          targetRevision: "HEAD",
        },
      },
    });
    expect(atHead.find((o) => o.kind === "AppProject")?.metadata.namespace).toBe("gitops");
    expect(application(pinned)).toMatchObject({ spec: { source: { targetRevision: "v2" } } });
  });

  it("routes each hostname from its gateway's HTTPS listener to the Service port", () => {
    const { objects } = fullApp();
    const routes = objects.filter((o) => o.kind === "HTTPRoute");
    expect(routes.map((route) => ({ namespace: route.metadata.namespace, spec: route.spec }))).toEqual([
      {
        namespace: "vaultwarden",
        spec: {
          parentRefs: [{ name: "internal", namespace: gatewayNamespace, sectionName: "https" }],
          hostnames: ["vault.home.example.org"],
          rules: [{ backendRefs: [{ name: "vaultwarden", port: 80 }] }],
        },
      },
      {
        namespace: "vaultwarden",
        spec: {
          parentRefs: [{ name: "public", namespace: gatewayNamespace, sectionName: "https" }],
          hostnames: ["vault.example.org"],
          rules: [{ backendRefs: [{ name: "vaultwarden", port: 80 }] }],
        },
      },
    ]);
  });

  it("lists for the edge only the exposures on the public gateway", () => {
    expect(fullApp().vaultwarden.publicExposures).toEqual([{ host: "vault.example.org", access: true }]);
  });
});

describe("a chart from an OCI registry", () => {
  it("uses Argo CD's native OCI source: the chart's full reference, path '.', and the project allows exactly it", () => {
    const chart = Testing.chart();
    new HomelabApp(chart, "postgres", {
      name: "postgres",
      profile: "worker",
      source: {
        helm: {
          repoUrl: "oci://registry-1.docker.io/bitnamicharts",
          chart: "postgresql",
          version: "16.7.27",
        },
      },
    });
    const objects = Testing.synth(chart) as Record<string, unknown>[];
    const application = objects.find((object) => object.kind === "Application") as {
      spec: { source: object };
    };
    const project = objects.find((object) => object.kind === "AppProject") as {
      spec: { sourceRepos: string[] };
    };
    expect(application?.spec.source).toMatchObject({
      repoURL: "oci://registry-1.docker.io/bitnamicharts/postgresql",
      path: ".",
      targetRevision: "16.7.27",
    });
    expect(application?.spec.source).not.toHaveProperty("chart");
    expect(project?.spec.sourceRepos).toEqual(["oci://registry-1.docker.io/bitnamicharts/postgresql"]);
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
  });
});
