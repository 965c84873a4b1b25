import type * as k8s from "@pulumi/kubernetes";
import type { HelmChart } from "../constructs/platform-component";

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
