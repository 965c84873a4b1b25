import { Construct } from "constructs";
import { pins } from "../pins";
import { kubeStateMetricsPolicy, KubeStateMetrics } from "./kube-state-metrics";
import { alloyConfig, type TelemetryDestination } from "./lgtm-alloy-config";
import { alloyValues, lgtmReleases, type HubCredentialsSecret } from "./lgtm-values";
import { NodeExporter } from "./node-exporter";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  addressesEgress,
  apiServerEgress,
  tcpPorts,
  type KubernetesApiAccess,
  type WorkloadPolicy,
} from "./platform-policies";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** The port kubelets serve their metrics and cAdvisor's on. */
export const kubeletPort = 10250;

/** Where the collectors of a spoke send: the hub's ingest on its internal gateway. */
export interface TelemetryHubTarget {
  /** The hub's telemetry hostname, e.g. `telemetry.core.example.com`, under its gateway's certificate. */
  readonly hostname: string;
  /** The hub's internal gateway address, which the collector resolves `hostname` to and alone may reach. */
  readonly address: string;
  /** The Secret holding this cluster's password at the hub (its user is the cluster's name). */
  readonly credentials: HubCredentialsSecret;
}

/** Configuration of `TelemetryCollectors`. */
export interface TelemetryCollectorsProps {
  /** The cluster's name: the `cluster` label of everything collected, and its tenant. */
  readonly cluster: string;
  /**
   * The stores in this cluster (`local`, the hub's own collectors), or the hub a spoke ships to.
   */
  readonly destination:
    | {
        readonly kind: "local";
        readonly lokiPushUrl: string;
        readonly mimirRemoteWriteUrl: string;
        readonly tempoOtlpGrpcEndpoint: string;
      }
    | ({ readonly kind: "hub" } & TelemetryHubTarget);
  /**
   * The namespace the collector and kube-state-metrics run in.
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * The namespace node-exporter's host-networked pods run in: one that admits host access.
   * @default "kube-system"
   */
  readonly nodeExporterNamespace?: string;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the collector's and kube-state-metrics' policies
   * are written (`policies`).
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
  /**
   * Every node's address, where the collector scrapes the kubelets, node-exporter and `hostMetricsPorts`.
   * Required with `apiServer`.
   */
  readonly nodeAddresses?: readonly string[];
  /**
   * Further ports host-networked pods serve metrics on (the CNI's), which the collector may reach on the
   * nodes' addresses.
   * @default []
   */
  readonly hostMetricsPorts?: readonly number[];
  /**
   * Write the namespace's NetworkPolicies here (default-deny, DNS, same-namespace, the entries of
   * `policies`). Off when the namespace's owner writes them with `policies` among its own.
   * @default true
   */
  readonly addPolicies?: boolean;
}

/**
 * A cluster's collectors: Alloy (pod logs, Kubernetes events, pods' metrics ports, the kubelets and
 * cAdvisor, node-exporter, kube-state-metrics, OTLP traces from apps), kube-state-metrics, and
 * node-exporter on every node. Everything is labelled with the cluster's name and sent to the stores in
 * the cluster or, from a spoke, to the hub over TLS with the cluster's credentials.
 */
export class TelemetryCollectors extends Construct implements PlatformComponent {
  readonly namespace: ComponentNamespace;
  /** Alloy's chart. */
  readonly helmCharts: readonly HelmChart[];
  /** Alloy and kube-state-metrics (node-exporter runs in `nodeExporterNamespace`, host-networked). */
  readonly workloads: readonly ComponentWorkload[];
  /** Alloy, for the NetworkPolicies of what it scrapes and what sends it OTLP. */
  readonly collector: TelemetryCollectorRef;
  /** The Alloy pipeline, as its ConfigMap holds it. */
  readonly config: string;
  /** The collectors' NetworkPolicy entries; empty without `apiServer`. */
  readonly policies: readonly WorkloadPolicy[];

  /**
   * Adds the collectors' objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error when `apiServer` is given without `nodeAddresses`
   */
  constructor(scope: Construct, id: string, props: TelemetryCollectorsProps) {
    super(scope, id);
    const namespace = props.namespace ?? "monitoring";
    if (props.apiServer && !props.nodeAddresses) {
      throw new Error(
        `${this.node.path}: nodeAddresses is required with apiServer — the collector scrapes the nodes`,
      );
    }
    // Logs come through the API, scrapes over the network: nothing here needs more than `baseline`.
    this.namespace = { name: namespace, podSecurity: "baseline" };
    this.collector = telemetryCollector(namespace);

    const ksm = new KubeStateMetrics(this, "kube-state-metrics", { namespace });
    const nodeExporter = new NodeExporter(this, "node-exporter", {
      namespace: props.nodeExporterNamespace ?? "kube-system",
    });

    const { destination } = props;
    const passwordDirectory = "/etc/telemetry-hub";
    const pipelineDestination: TelemetryDestination =
      destination.kind === "local"
        ? { ...destination, tenant: props.cluster }
        : {
            kind: "hub",
            baseUrl: `https://${destination.hostname}`,
            tenant: props.cluster,
            passwordFile: `${passwordDirectory}/password`,
          };
    this.config = alloyConfig({
      cluster: props.cluster,
      destination: pipelineDestination,
      kubeStateMetrics: { namespace, podLabels: ksm.workload.podLabels, port: ksm.metricsPort },
      nodeExporter: {
        namespace: props.nodeExporterNamespace ?? "kube-system",
        podLabels: nodeExporter.workload.podLabels,
        port: nodeExporter.port,
      },
    });
    this.helmCharts = [
      {
        repository: "https://grafana.github.io/helm-charts",
        name: "alloy",
        version: pins.charts.alloy,
        release: lgtmReleases.alloy,
        namespace,
        values: alloyValues(
          this.config,
          destination.kind === "hub"
            ? {
                hostname: destination.hostname,
                address: destination.address,
                credentials: destination.credentials,
                passwordDirectory,
              }
            : undefined,
        ),
      },
    ];
    const alloy: ComponentWorkload = { name: "alloy", podLabels: this.collector.podLabels };
    this.workloads = [alloy, ksm.workload];

    this.policies = props.apiServer
      ? [
          {
            workload: alloy,
            // OTLP from any pod; the senders' own policies say who may send.
            ingress: [{ from: [{ namespaceSelector: {} }], ports: tcpPorts(...this.collector.otlpPorts) }],
            egress: [
              // Pod discovery, logs and events, through the API.
              apiServerEgress(props.apiServer),
              // Scrapes: every pod's metrics ports; the targets' policies admit the collector on them.
              { to: [{ namespaceSelector: {} }] },
              // The kubelets, node-exporter and the CNI's host-networked agents, on the nodes' addresses.
              addressesEgress(
                props.nodeAddresses!,
                tcpPorts(kubeletPort, nodeExporter.port, ...(props.hostMetricsPorts ?? [])),
              ),
              // A spoke's hub: its internal gateway's HTTPS listener, and nothing else outside.
              ...(destination.kind === "hub" ? [addressesEgress([destination.address], tcpPorts(443))] : []),
            ],
          },
          kubeStateMetricsPolicy(props.apiServer),
        ]
      : [];
    if (props.apiServer && props.addPolicies !== false) {
      addComponentPolicies(this, {
        namespace,
        // Lets Alloy scrape kube-state-metrics beside it, on its metrics port only.
        collector: this.collector,
        policies: this.policies,
      });
    }
  }
}

/**
 * Alloy's pods, as its chart labels them (`alloy.selectorLabels`: the chart name and the release), and
 * its OTLP receivers. Known before the collectors are built, so components applied earlier can admit it.
 */
export function telemetryCollector(namespace = "monitoring"): TelemetryCollectorRef {
  return {
    namespace,
    podLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": lgtmReleases.alloy },
    otlpPorts: [4317, 4318],
  };
}
