import { App, Chart } from "cdk8s";
import { k8s } from "cdk8s-plus-30";
import type { ComponentNamespace } from "../constructs/platform-component";

/** The platform namespaces with the Pod Security level each component declares. */
export function namespacesChart(app: App, namespaces: readonly ComponentNamespace[]): Chart {
  const chart = new Chart(app, "00-namespaces");
  for (const namespace of namespaces) {
    new k8s.KubeNamespace(chart, namespace.name, {
      metadata: {
        name: namespace.name,
        labels: {
          "pod-security.kubernetes.io/enforce": namespace.podSecurity,
          "pod-security.kubernetes.io/audit": namespace.podSecurity,
          "pod-security.kubernetes.io/warn": namespace.podSecurity,
          ...namespace.labels,
        },
      },
    });
  }
  return chart;
}
