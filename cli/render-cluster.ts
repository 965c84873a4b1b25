import { ApiObject, Chart, DependencyGraph } from "cdk8s";
import { buildClusterCharts, componentFileStem, phaseFileStem, type ClusterCharts } from "../charts";
import {
  activeNodes,
  enabledApps,
  hasTunnel,
  telemetryHubOf,
  type ClusterInventory,
  type TelemetryHub,
} from "../inventory";
import {
  edgePlan,
  isoDownloadArgs,
  isoFileId,
  nodeClasses,
  nodePatches,
  proxmoxPlan,
  schematicKey,
  schematicYaml,
  talosYaml,
  vmArgs,
} from "../stacks/builders";
import { hubIngestPath } from "../constructs/lgtm-alloy-config";
import { startAppsDocuments } from "./apps-documents";
import { resolveTelemetryHubs } from "./telemetry-hubs";
import { clusterReadme } from "./cluster-readme";
import { appsShownOneByOne, policyMatrix } from "./policy-matrix";
import { yamlDocument } from "./yaml-emit";

/** One file of a rendered cluster, its path relative to `<out>/<cluster>/`. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/**
 * A spoke's hub as `render` finds it among the stack files in the working folder; undefined for a hub.
 * @throws Error with render's message when it cannot be found
 */
function hubBeside(inventory: ClusterInventory, source: string): TelemetryHub | undefined {
  const { hubs, problems } = resolveTelemetryHubs([{ source, inventory }], process.cwd());
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return hubs.get(inventory.name);
}

/** Everything about one cluster that can be known without credentials or network. */
export function renderCluster(
  inventory: ClusterInventory,
  source: string,
  telemetryHub: TelemetryHub | undefined = hubBeside(inventory, source),
): RenderedFile[] {
  const charts = buildClusterCharts(inventory, { deferApps: true, telemetryHub });
  // The README's matrix shows a few apps one by one from their rendered policies (more it builds itself).
  const appObjects: unknown[] = [];
  const oneByOne = enabledApps(inventory).length <= appsShownOneByOne;
  // First, so that a second process, if any, builds its apps while this one renders the rest.
  const appsDocuments = startAppsDocuments(
    inventory,
    charts.appsContext,
    oneByOne ? (object) => keepPolicyObject(object, appObjects) : undefined,
  );
  try {
    return renderFiles(inventory, source, charts, appsDocuments.finish, oneByOne ? appObjects : undefined);
  } finally {
    appsDocuments.cancel();
  }
}

function renderFiles(
  inventory: ClusterInventory,
  source: string,
  charts: ClusterCharts,
  appsDocuments: () => string[],
  appObjects: readonly unknown[] | undefined,
): RenderedFile[] {
  // The platform's Namespaces and NetworkPolicies, as synthesized for k8s/, for the README's matrix.
  const policyObjects: unknown[] = [];
  const manifests = manifestFiles(charts, appsDocuments, (object) => keepPolicyObject(object, policyObjects));
  return [
    {
      path: "README.md",
      content: clusterReadme(inventory, source, policyMatrix(inventory, charts, policyObjects, appObjects)),
    },
    ...manifests,
    ...helmFiles(charts),
    ...bootstrapSecretFiles(charts),
    ...talosFiles(inventory, charts),
    ...schematicFiles(inventory),
    ...edgeFiles(inventory, charts),
    ...proxmoxFiles(inventory),
    ...observabilityFiles(inventory, charts),
  ];
}

/**
 * `observability/`: the collector's pipeline; on a hub its tenants, dashboards and alerting files as
 * Grafana reads them; on a spoke the hub it ships to.
 */
function observabilityFiles(inventory: ClusterInventory, charts: ClusterCharts): RenderedFile[] {
  const telemetry = charts.telemetry;
  if (!telemetry) return [];
  const files: RenderedFile[] = [
    { path: "observability/collector.alloy", content: telemetry.collectorConfig },
  ];
  if (telemetry.role === "spoke") {
    const base = `https://${telemetry.hub.hostname}`;
    files.push({
      path: "observability/hub.yaml",
      content:
        "# Where this spoke's collector ships, as user " +
        `${inventory.name} with the password in Secret monitoring/telemetry-hub-credentials.\n` +
        toYaml({
          hub: telemetry.hub.cluster,
          hostname: telemetry.hub.hostname,
          address: telemetry.hub.address,
          tenant: inventory.name,
          push: {
            logs: `${base}${hubIngestPath(inventory.name, "loki")}`,
            metrics: `${base}${hubIngestPath(inventory.name, "mimir")}`,
            traces: `${base}${hubIngestPath(inventory.name, "otlp")}`,
          },
        }),
    });
    return files;
  }
  const hub = telemetryHubOf(inventory);
  files.push({
    path: "observability/tenants.yaml",
    content:
      "# The tenants this hub stores, one per cluster; Grafana reads them all at once.\n" +
      toYaml(
        telemetry.tenants.map((tenant) =>
          tenant === inventory.name
            ? { tenant, from: "this cluster's collector, inside the cluster" }
            : {
                tenant,
                from: `spoke ${tenant}, through the internal gateway at https://${hub.hostname}/tenants/${tenant}/ (basic auth, user ${tenant})`,
                htpasswdSecret: `monitoring/telemetry-${tenant}-htpasswd`,
              },
        ),
      ),
  });
  for (const [stem, dashboard] of Object.entries(telemetry.dashboards)) {
    files.push({
      path: `observability/dashboards/${stem}.json`,
      content: `${JSON.stringify(dashboard, null, 2)}\n`,
    });
  }
  for (const [name, content] of Object.entries(telemetry.alerting)) {
    files.push({ path: `observability/alerting/${name}`, content: toYaml(content) });
  }
  return files;
}

/** `talos/schematic-<extensions>.yaml`: what to post to the Image Factory for a node class's image. */
function schematicFiles(inventory: ClusterInventory): RenderedFile[] {
  const byKey = new Map(
    nodeClasses(inventory).map((nodeClass) => [schematicKey(nodeClass.extensions), nodeClass]),
  );
  return [...byKey].map(([key, nodeClass]) => ({
    path: `talos/schematic-${key}.yaml`,
    content: schematicYaml(nodeClass.extensions),
  }));
}

/**
 * `proxmox.yaml`: the Talos ISOs the program downloads onto the Proxmox hosts and every VM exactly as the
 * program creates it (`proxmoxve.VmLegacy` arguments), `<schematic-id>` standing in.
 */
function proxmoxFiles(inventory: ClusterInventory): RenderedFile[] {
  const plan = proxmoxPlan(inventory);
  if (plan.vms.length === 0) return [];
  const header =
    `# Proxmox VMs of cluster ${inventory.name}: the ISOs downloaded onto each host, and each VM as the program creates it.\n` +
    `# <schematic-id> is the Image Factory's id of the node class's schematic, known after \`pulumi up\`.\n`;
  const images = new Map(plan.images.map((image) => [image.key, image]));
  return [
    {
      path: "proxmox.yaml",
      content:
        header +
        toYaml({
          images: plan.images.map((image) => ({ host: image.host, ...isoDownloadArgs(image) })),
          vms: plan.vms.map((vm) => ({ host: vm.host, ...vmArgs(vm, isoFileId(images.get(vm.image)!)) })),
        }),
    },
  ];
}

/** `edge.yaml`: the tunnel ingress, DNS records and Access applications, `<tunnel-id>` standing in. */
function edgeFiles(inventory: ClusterInventory, charts: ClusterCharts): RenderedFile[] {
  if (!hasTunnel(inventory) || !inventory.cloudflare || !charts.publicGatewayHost) return [];
  const plan = edgePlan(inventory, charts.publicExposures, charts.publicGatewayHost);
  const header =
    `# Cloudflare edge of cluster ${inventory.name}: account ${inventory.cloudflare.accountId}, zone ${inventory.cloudflare.zone}.\n` +
    `# <tunnel-id> is the tunnel's id, known after \`pulumi up\`.\n`;
  return [{ path: "edge.yaml", content: header + toYaml(plan) }];
}

/**
 * Plain YAML: no anchors or aliases however often an object repeats (any reader with default
 * limits reads it back), no folded lines, keys in the order the objects hold them.
 */
export function toYaml(value: unknown): string {
  return yamlDocument(value);
}

function yamlDocuments(documents: readonly unknown[]): string {
  return documents.map(toYaml).join("---\n");
}

/**
 * `k8s/<nn>-<component>.yaml`: the objects of each component, numbered in apply order; around its Helm
 * charts (`helm/<nn>-<component>.yaml`), `k8s/<nn>-<component>-1-before-charts.yaml` (what pre-install
 * hooks would make), `-2-with-charts.yaml` (post-install hook replacements applied with the charts) and
 * `-3-after-charts.yaml` (post-install hook replacements and the readiness gate, after the charts),
 * each only when it holds objects.
 */
function manifestFiles(
  charts: ClusterCharts,
  appsDocuments: () => string[],
  seen: (object: unknown) => void,
): RenderedFile[] {
  const all = [
    { stem: "00-namespaces", chart: charts.namespaces },
    ...charts.components.flatMap((component) => [
      { stem: phaseFileStem(component.stem, "beforeCharts"), chart: component.beforeCharts },
      { stem: phaseFileStem(component.stem, "withCharts"), chart: component.withCharts },
      { stem: phaseFileStem(component.stem, "afterCharts"), chart: component.afterCharts },
      component,
    ]),
  ];
  // Each object becomes YAML as soon as it is JSON, so the JSON of 100,000 objects is never held at once.
  const synthesized = synthesizeCharts(
    all.map(({ chart }) => chart),
    (object) => {
      seen(object);
      return toYaml(object);
    },
  );
  const appsStem = componentFileStem("apps");
  return all.flatMap(({ stem }, index) => {
    const documents = stem === appsStem ? appsDocuments() : synthesized[index];
    return documents.length === 0 ? [] : [{ path: `k8s/${stem}.yaml`, content: documents.join("---\n") }];
  });
}

/**
 * `chart.toJson()` of each chart of one app, each object passed through `each`. Each `toJson()`
 * first resolves the dependencies of, and validates, the whole app: once is enough, so the first
 * chart does that and every other chart's objects are taken, as `toJson()` takes them, in
 * dependency order.
 */
export function synthesizeCharts<T>(charts: readonly Chart[], each: (object: unknown) => T): T[][] {
  const [first, ...rest] = charts;
  if (first === undefined) return [];
  return [
    first.toJson().map((object) => each(object)),
    ...rest.map((chart) =>
      new DependencyGraph(chart.node)
        .topology()
        .filter((construct): construct is ApiObject => construct instanceof ApiObject)
        .filter((object) => Chart.of(object) === chart)
        .map((object) => each(object.toJson())),
    ),
  ];
}

/**
 * `bootstrap-secrets.yaml`: the Secrets Pulumi makes before the components' charts, by name, with where
 * each key's value comes from; never a value.
 */
function bootstrapSecretFiles(charts: ClusterCharts): RenderedFile[] {
  if (charts.bootstrapSecrets.length === 0) return [];
  const entries = charts.bootstrapSecrets.map((secret) => ({
    namespace: secret.namespace,
    name: secret.name,
    component: secret.component,
    keys: Object.fromEntries(
      Object.entries(secret.keys).map(([key, source]) => [
        key,
        source.from === "config"
          ? `secret input ${source.input}`
          : source.from === "telemetryTenant"
            ? `htpasswd ({SHA}) of tenant ${source.tenant}'s generated password, exported secret as telemetryCredentials`
            : `generated: ${source.length} random letters and digits, kept in Pulumi's state`,
      ]),
    ),
  }));
  return [
    {
      path: "bootstrap-secrets.yaml",
      content:
        "# Secrets `pulumi up` creates after the namespaces and before the Helm charts; names only, never values.\n" +
        toYaml(entries),
    },
  ];
}

/**
 * `helm/<nn>-<component>.yaml`: the upstream charts installed before the component's objects; first
 * `helm/00-cni.yaml`, the CNI installed on the bare cluster before Talos's full health gate.
 */
function helmFiles(charts: ClusterCharts): RenderedFile[] {
  const cni = charts.cni ? [{ stem: "00-cni", helmCharts: charts.cni.helmCharts }] : [];
  return [...cni, ...charts.components].flatMap(({ stem, helmCharts }) =>
    helmCharts.length === 0 ? [] : [{ path: `helm/${stem}.yaml`, content: yamlDocuments(helmCharts) }],
  );
}

/**
 * `talos/<node>.yaml`: exactly the patches the node's config is generated with. A decommissioning
 * node gets none: its config is no longer applied.
 */
function talosFiles(inventory: ClusterInventory, charts: ClusterCharts): RenderedFile[] {
  return activeNodes(inventory).map((node) => ({
    path: `talos/${node.name}.yaml`,
    content:
      `# Talos config patches of ${node.name} (${node.role}) in cluster ${inventory.name}.\n` +
      `# <schematic-id> is the node class's Image Factory schematic, known after \`pulumi up\`.\n` +
      talosYaml(nodePatches(inventory, node, { hostMounts: charts.hostMounts })),
  }));
}

/** Namespaces and NetworkPolicies: what the NetworkPolicy evaluator reads. */
function keepPolicyObject(object: unknown, into: unknown[]): void {
  if (typeof object !== "object" || object === null) return;
  const { kind } = object as { kind?: unknown };
  if (kind === "Namespace" || kind === "NetworkPolicy") into.push(object);
}
