import { BlockList, isIP } from "net";
import { Construct } from "constructs";
import { pins } from "../pins";
import { IpAddressPool, L2Advertisement } from "./imports/metallb.io";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  InstallPhases,
  PlatformComponent,
} from "./platform-component";
import { installJobPodLabels, waitForJob } from "./install-job";
import {
  addComponentPolicies,
  apiServerEgress,
  webhookIngress,
  type KubernetesApiAccess,
} from "./platform-policies";
import { WebhookReadinessGate } from "./readiness-gate";

/** Configuration of `MetalLb`: the LAN addresses it may hand out. */
export interface MetalLbProps {
  /**
   * The LAN addresses MetalLB may hand to LoadBalancer Services, each a CIDR (`192.168.1.240/28`) or a
   * first-last range (`192.168.1.240-192.168.1.250`).
   */
  readonly addresses: string[];
  /**
   * Single addresses handed out only to Services that ask for them by name (the gateways, through the
   * `metallb.io/loadBalancerIPs` annotation), so that no other Service can take them first. They form a
   * second pool, `<poolName>-reserved`, that MetalLB never assigns on its own; they must not lie in
   * `addresses`.
   * @default - none
   */
  readonly reservedAddresses?: string[];
  /**
   * The name of the IPAddressPool (and of its L2Advertisement).
   * @default "default"
   */
  readonly poolName?: string;
  /**
   * The namespace MetalLB runs in.
   * @default "metallb-system"
   */
  readonly namespace?: string;
  /**
   * Where the readiness gate of MetalLB's validating webhook goes (`afterCharts`); the pools and the
   * advertisement must wait for it.
   * @default - among the component's own objects
   */
  readonly phases?: InstallPhases;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS, the
   * controller's and the readiness gate's calls to the API, and the API server's calls to the webhook.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
}

/** The controller's webhook container port: fixed in the chart (templates/controller.yaml). */
export const metalLbWebhookPort = 9443;

/**
 * MetalLB in layer-2 mode: one address pool on the LAN, announced by ARP/NDP from the nodes, so
 * LoadBalancer Services (the gateways) get LAN addresses.
 */
export class MetalLb extends Construct implements PlatformComponent {
  /** Privileged: the speaker runs on the host network and needs NET_RAW to answer ARP. */
  readonly namespace: ComponentNamespace;
  /** The metallb chart: the controller, the speakers and the CRDs. */
  readonly helmCharts: readonly HelmChart[];
  /** The IPAddressPool Services draw from. */
  readonly poolName: string;
  /** The pool's addresses, as given. */
  readonly addresses: readonly string[];
  /** The reserved pool's addresses, as given; empty without any. */
  readonly reservedAddresses: readonly string[];
  /** The controller, the speakers (host-networked: outside NetworkPolicy) and the readiness gate's Job. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds MetalLB's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (an empty, malformed or overlapping address), before adding anything
   */
  constructor(scope: Construct, id: string, props: MetalLbProps) {
    super(scope, id);
    const namespace = props.namespace ?? "metallb-system";
    this.poolName = props.poolName ?? "default";
    checkAddresses(this.node.path, props.addresses, props.reservedAddresses ?? []);
    this.addresses = [...props.addresses];
    this.reservedAddresses = [...(props.reservedAddresses ?? [])];
    checkReserved(this.node.path, this.addresses, this.reservedAddresses);
    this.namespace = { name: namespace, podSecurity: "privileged" };

    const resources = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } };
    this.helmCharts = [
      {
        repository: "https://metallb.github.io/metallb",
        name: "metallb",
        version: pins.charts.metallb,
        release: "metallb",
        namespace,
        values: {
          controller: { resources },
          // Talos labels control planes exclude-from-external-load-balancers; clusters of control planes
          // only must still announce.
          speaker: { resources, ignoreExcludeLB: true },
          // Layer 2 only: no BGP, so no FRR-K8s daemonset.
          frrk8s: { enabled: false },
        },
      },
    ];

    // The webhook serves once the controller has rotated its certificate into the webhook configuration;
    // an L2Advertisement admits any empty spec, so the dry run fails only while the webhook does not answer.
    const readinessGate = new WebhookReadinessGate(props.phases?.afterCharts ?? this, `${id}-webhook-gate`, {
      name: gateName,
      namespace,
      probe: {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: "metallb-webhook-gate-probe" },
        spec: {},
      },
      resource: "l2advertisements",
      revision: pins.charts.metallb,
    });

    // The chart's selector labels (the chart name and the release) and each part's component label.
    const chartLabels = { "app.kubernetes.io/name": "metallb", "app.kubernetes.io/instance": "metallb" };
    const controller: ComponentWorkload = {
      name: "controller",
      podLabels: { ...chartLabels, "app.kubernetes.io/component": "controller" },
    };
    const speaker: ComponentWorkload = {
      name: "speaker",
      podLabels: { ...chartLabels, "app.kubernetes.io/component": "speaker" },
      hostNetwork: true,
    };
    const gate: ComponentWorkload = { name: "webhook-gate", podLabels: installJobPodLabels(gateName) };
    this.workloads = [controller, speaker, gate];
    if (props.apiServer) {
      const api = props.apiServer;
      addComponentPolicies(this, {
        namespace,
        policies: [
          // Its metrics port is named metricshttps, which the collector does not scrape.
          {
            workload: controller,
            ingress: [webhookIngress(api, metalLbWebhookPort)],
            egress: [apiServerEgress(api)],
          },
          // The speakers answer ARP on the host network: no NetworkPolicy applies to them.
          { workload: speaker },
          // kubectl create --dry-run=server: the API server calls the webhook, not the Job.
          { workload: gate, egress: [apiServerEgress(api)] },
        ],
      });
    }

    const pools: string[] = [];
    if (this.addresses.length > 0) {
      new IpAddressPool(this, "pool", {
        metadata: { name: this.poolName, namespace },
        spec: { addresses: [...this.addresses] },
      });
      pools.push(this.poolName);
    }
    if (this.reservedAddresses.length > 0) {
      const reservedPool = `${this.poolName}-reserved`;
      new IpAddressPool(this, "reserved-pool", {
        metadata: { name: reservedPool, namespace },
        spec: {
          addresses: this.reservedAddresses.map((address) => `${address}/${maxPrefix(isIP(address))}`),
          autoAssign: false,
        },
      });
      pools.push(reservedPool);
    }
    new L2Advertisement(this, "l2-advertisement", {
      metadata: { name: this.poolName, namespace },
      spec: { ipAddressPools: pools },
    });
    // Without a phase of its own the gate shares this scope: the pools and the advertisement wait for it.
    if (!props.phases?.afterCharts) {
      waitForJob(this, { namespace, name: readinessGate.jobName }, ["metallb.io"]);
    }
  }
}

/** The readiness gate's Job and its ServiceAccount, Role and ConfigMap. */
const gateName = "metallb-webhook-gate";

const addressForms = "a CIDR (192.168.1.240/28) or a first-last range (192.168.1.240-192.168.1.250)";

function checkAddresses(path: string, addresses: readonly string[], reserved: readonly string[]): void {
  if (addresses.length === 0 && reserved.length === 0) {
    throw new Error(`${path}: addresses must not be empty: list ${addressForms}`);
  }
  addresses.forEach((address, index) => {
    const problem = addressProblem(address);
    if (problem) throw new Error(`${path}: addresses[${index}] "${address}" ${problem}`);
  });
}

function checkReserved(path: string, addresses: readonly string[], reserved: readonly string[]): void {
  const pool = new BlockList();
  for (const entry of addresses) {
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    const range = /^([^-\s]+)\s*-\s*([^-\s]+)$/.exec(entry);
    if (cidr) pool.addSubnet(cidr[1], Number(cidr[2]), isIP(cidr[1]) === 4 ? "ipv4" : "ipv6");
    else if (range) pool.addRange(range[1], range[2], isIP(range[1]) === 4 ? "ipv4" : "ipv6");
  }
  reserved.forEach((address, index) => {
    const family = isIP(address);
    if (family === 0)
      throw new Error(`${path}: reservedAddresses[${index}] "${address}" is not an IP address`);
    if (pool.check(address, family === 4 ? "ipv4" : "ipv6")) {
      throw new Error(
        `${path}: reservedAddresses[${index}] ${address} lies in addresses — MetalLB pools must not overlap`,
      );
    }
  });
}

/** What is wrong with one pool entry, if anything. */
function addressProblem(address: string): string | undefined {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(address);
  if (cidr) {
    const family = isIP(cidr[1]);
    return family !== 0 && Number(cidr[2]) <= maxPrefix(family) ? undefined : `is not ${addressForms}`;
  }
  const range = /^([^-\s]+)\s*-\s*([^-\s]+)$/.exec(address);
  if (range) {
    const [, first, last] = range;
    const family = isIP(first);
    if (family === 0 || isIP(last) !== family) return `is not ${addressForms}`;
    try {
      new BlockList().addRange(first, last, family === 4 ? "ipv4" : "ipv6");
    } catch {
      return "must not start after its last address";
    }
    return undefined;
  }
  const family = isIP(address);
  if (family !== 0) return `is a single address: write it as ${address}/${maxPrefix(family)}`;
  return `is not ${addressForms}`;
}

function maxPrefix(family: number): number {
  return family === 4 ? 32 : 128;
}
