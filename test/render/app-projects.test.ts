import { renderedClusters } from "./rendered-clusters";

/**
 * Each rendered AppProject asked, as Argo CD asks it before syncing, whether it admits sample objects
 * an app's chart might hold: a project's `clusterResourceWhitelist` (empty: nothing) decides
 * cluster-scoped kinds, and its `namespaceResourceWhitelist` (a kind not listed is refused) and
 * `namespaceResourceBlacklist` decide namespaced ones, in its destination namespaces only.
 */
type GroupKind = { group: string; kind: string };
interface Project {
  metadata: { name: string };
  spec: {
    destinations: { namespace: string }[];
    clusterResourceWhitelist?: GroupKind[];
    namespaceResourceWhitelist?: GroupKind[];
    namespaceResourceBlacklist?: GroupKind[];
  };
}

/** Kinds of the samples that have no namespace. */
const clusterScoped = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "ValidatingWebhookConfiguration",
  "PersistentVolume",
]);

const matches = (rule: GroupKind, { group, kind }: GroupKind) =>
  (rule.group === "*" || rule.group === group) && (rule.kind === "*" || rule.kind === kind);

function admits(project: Project, object: GroupKind & { namespace?: string }): boolean {
  const { spec } = project;
  if (clusterScoped.has(object.kind))
    return (spec.clusterResourceWhitelist ?? []).some((rule) => matches(rule, object));
  if (
    !spec.destinations.some(
      (destination) => destination.namespace === object.namespace || destination.namespace === "*",
    )
  )
    return false;
  if (
    spec.namespaceResourceWhitelist &&
    !spec.namespaceResourceWhitelist.some((rule) => matches(rule, object))
  )
    return false;
  return !(spec.namespaceResourceBlacklist ?? []).some((rule) => matches(rule, object));
}

const refused: GroupKind[] = [
  { group: "rbac.authorization.k8s.io", kind: "Role" },
  { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
  { group: "networking.k8s.io", kind: "NetworkPolicy" },
  { group: "cilium.io", kind: "CiliumNetworkPolicy" },
  { group: "gateway.networking.k8s.io", kind: "HTTPRoute" },
  { group: "", kind: "Namespace" },
  { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
  { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration" },
  { group: "", kind: "PersistentVolume" },
];
const admitted: GroupKind[] = [
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "", kind: "Service" },
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "Secret" },
  { group: "", kind: "PersistentVolumeClaim" },
  { group: "batch", kind: "CronJob" },
];

const prod = renderedClusters().find((cluster) => cluster.source === "Pulumi.prod.yaml")!;
const projects = (prod.objects as unknown as (Project & { kind: string })[]).filter(
  (object) => object.kind === "AppProject",
);
const appProjects = projects.filter((project) => project.metadata.name !== "default");

describe.each(appProjects.map((project) => [project.metadata.name, project] as const))(
  "AppProject %s",
  (name, project) => {
    const home = project.spec.destinations[0].namespace;

    it.each(refused.map((kind) => [`${kind.group || "core"}/${kind.kind}`, kind] as const))(
      "refuses %s",
      (_, kind) => {
        expect(admits(project, { ...kind, namespace: home })).toBe(false);
      },
    );

    it.each(admitted.map((kind) => [`${kind.group || "core"}/${kind.kind}`, kind] as const))(
      "admits %s in its own namespace only",
      (_, kind) => {
        expect(admits(project, { ...kind, namespace: home })).toBe(true);
        expect(admits(project, { ...kind, namespace: "kube-system" })).toBe(false);
      },
    );

    it("is the app's own", () =>
      expect(home).toBe(prod.inventory.apps.find((app) => app.name === name)?.namespace));
  },
);

it("locks Argo CD's default project: it admits nothing, anywhere", () => {
  const locked = projects.find((project) => project.metadata.name === "default")!;
  expect(locked).toBeDefined();
  const samples = [...refused, ...admitted];
  for (const namespace of [
    "default",
    "kube-system",
    "argocd",
    ...prod.inventory.apps.map((app) => app.namespace),
  ]) {
    for (const kind of samples)
      expect({ namespace, kind, admitted: admits(locked, { ...kind, namespace }) }).toEqual({
        namespace,
        kind,
        admitted: false,
      });
  }
});

it("has no project but the locked default and one per app", () =>
  expect(projects.length).toBe(appProjects.length + 1));

it("asks every app's project", () =>
  expect(appProjects.length).toBe(prod.inventory.apps.filter((app) => app.enabled).length));
