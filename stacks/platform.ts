import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { bootstrapSecrets, type BootstrapSecret, type ClusterCharts } from "../charts";
import type { HelmChart } from "../constructs/platform-component";

export interface PlatformArgs {
  readonly charts: ClusterCharts;
  /** Secret; resolves only once the cluster is healthy. */
  readonly kubeconfig: pulumi.Output<string>;
  /** cert-manager's DNS-01 token, when cert-manager is enabled. */
  readonly cloudflareDnsToken?: pulumi.Output<string>;
  /** The tunnel token, when cloudflared is enabled. */
  readonly tunnelToken?: pulumi.Output<string>;
}

/**
 * The platform on the cluster, component by component in apply order: the upstream Helm charts, then
 * the component's own cdk8s objects depending on them; namespaces and bootstrap Secrets first.
 */
export class Platform extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:platform:Platform", name, {}, opts);
    const provider = new k8s.Provider(
      `${name}-kubernetes`,
      { kubeconfig: args.kubeconfig },
      { parent: this },
    );
    const child = { parent: this, provider };

    const namespaces = new k8s.yaml.v2.ConfigGroup(
      `${name}-namespaces`,
      { objs: args.charts.namespaces.toJson() },
      child,
    );
    const secret = (secretRef: BootstrapSecret, value: pulumi.Output<string>) =>
      new k8s.core.v1.Secret(
        `${name}-${secretRef.name}`,
        {
          metadata: { name: secretRef.name, namespace: secretRef.namespace },
          stringData: { [secretRef.key]: pulumi.secret(value) },
        },
        { ...child, dependsOn: [namespaces] },
      );
    const components = new Set(args.charts.components.map((component) => component.component));
    const secrets = [
      ...(components.has("cert-manager") && args.cloudflareDnsToken
        ? [secret(bootstrapSecrets.cloudflareDnsToken, args.cloudflareDnsToken)]
        : []),
      ...(components.has("cloudflared") && args.tunnelToken
        ? [secret(bootstrapSecrets.tunnelToken, args.tunnelToken)]
        : []),
    ];

    let previous: pulumi.Resource[] = [namespaces, ...secrets];
    for (const component of args.charts.components) {
      const helmReleases = component.helmCharts.map(
        (chart) =>
          new k8s.helm.v4.Chart(`${name}-${chart.release}`, helmChartArgs(chart), {
            ...child,
            dependsOn: previous,
          }),
      );
      const objects = component.chart.toJson();
      const group =
        objects.length > 0
          ? [
              new k8s.yaml.v2.ConfigGroup(
                `${name}-${component.stem}`,
                { objs: objects },
                { ...child, dependsOn: [...previous, ...helmReleases] },
              ),
            ]
          : [];
      previous = [...helmReleases, ...group];
    }
    this.registerOutputs({});
  }
}

/** An OCI chart is named by its full reference; a repository chart by name and repository. */
export function helmChartArgs(chart: HelmChart): k8s.helm.v4.ChartArgs {
  const isOci = chart.repository.startsWith("oci://");
  return {
    chart: isOci ? `${chart.repository}/${chart.name}` : chart.name,
    version: chart.version,
    ...(isOci ? {} : { repositoryOpts: { repo: chart.repository } }),
    name: chart.release,
    namespace: chart.namespace,
    values: chart.values,
  };
}
