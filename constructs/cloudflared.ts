import { Duration, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-30";
import { Construct } from "constructs";
import { pins } from "../pins";
import type { GatewayRef } from "./gateway-ref";
import { envoyProxyPodPort } from "./envoy-gateway";
import { portRule } from "./network-profiles";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  PlatformComponent,
} from "./platform-component";
import { addComponentPolicies, internetEgress, podsPeer, tcpPorts, type PodsRef } from "./platform-policies";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** A key of an existing Secret. */
export interface SecretKeyRef {
  /** The Secret's name, in the construct's namespace. */
  readonly name: string;
  /** The key within the Secret's data. */
  readonly key: string;
}

/** Configuration of `Cloudflared`: the tunnel token and the gateway the tunnel sends to. */
export interface CloudflaredProps {
  /** The Secret key holding the tunnel token; the Pulumi layer creates that Secret. */
  readonly tunnelTokenSecret: SecretKeyRef;
  /** The gateway the tunnel hands its traffic to. */
  readonly publicGateway: GatewayRef;
  /**
   * Connector replicas, each on its own node.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The cloudflared container image.
   * @default `docker.io/cloudflare/cloudflared:${pins.images.cloudflared}`
   */
  readonly image?: string;
  /**
   * The namespace cloudflared runs in.
   * @default "cloudflared"
   */
  readonly namespace?: string;
  /**
   * The telemetry collector allowed to scrape the connectors' metrics port.
   * @default - no ingress at all: the tunnel only dials out
   */
  readonly telemetry?: TelemetryCollectorRef;
}

/** The port cloudflared serves `/ready`, `/healthcheck` and `/metrics` on. */
const cloudflaredMetricsPort = 2000;
/** The distroless cloudflared image's `nonroot` user and group. */
const cloudflaredUid = 65532;
const podLabels = { "app.kubernetes.io/name": "cloudflared" };

/**
 * The in-cluster end of the Cloudflare tunnel: connectors spread over nodes, a disruption budget that
 * keeps one running through drains, and NetworkPolicies that deny everything in the namespace but DNS,
 * the connectors' calls to the public gateway and Cloudflare's edge, and the collector's scrapes.
 */
export class Cloudflared extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** None: cloudflared is made only of this construct's own objects. */
  readonly helmCharts: readonly HelmChart[] = [];
  /** The connectors' Deployment. */
  readonly deployment: kplus.Deployment;
  /** The connectors. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds cloudflared's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (tunnelTokenSecret, replicas, image, namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: CloudflaredProps) {
    super(scope, id);
    const namespace = props.namespace ?? "cloudflared";
    const replicas = props.replicas ?? 2;
    validateCloudflaredProps(props, namespace, replicas);
    this.namespace = { name: namespace, podSecurity: "restricted" };

    this.deployment = new kplus.Deployment(this, "deployment", {
      metadata: { name: "cloudflared", namespace, labels: podLabels },
      replicas,
      select: false,
      podMetadata: { labels: podLabels },
      // Replace one pod at a time without a surge pod, so a rollout fits on as many nodes as replicas.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(0),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(1),
      }),
      securityContext: { user: cloudflaredUid, group: cloudflaredUid, ensureNonRoot: true },
      containers: [
        {
          name: "cloudflared",
          image: props.image ?? `docker.io/cloudflare/cloudflared:${pins.images.cloudflared}`,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: ["tunnel", "--no-autoupdate", "--metrics", `0.0.0.0:${cloudflaredMetricsPort}`, "run"],
          envVariables: {
            TUNNEL_TOKEN: kplus.EnvValue.fromSecretValue({
              secret: kplus.Secret.fromSecretName(this, "tunnel-token", props.tunnelTokenSecret.name),
              key: props.tunnelTokenSecret.key,
            }),
          },
          ports: [{ number: cloudflaredMetricsPort, name: "metrics" }],
          // Ready only once connected to the edge; alive as long as the process serves HTTP.
          readiness: kplus.Probe.fromHttpGet("/ready", { port: cloudflaredMetricsPort }),
          liveness: kplus.Probe.fromHttpGet("/healthcheck", {
            port: cloudflaredMetricsPort,
            initialDelaySeconds: Duration.seconds(10),
            periodSeconds: Duration.seconds(10),
          }),
          resources: {
            cpu: { request: kplus.Cpu.millis(20), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
          },
          // cdk8s-plus already runs non-root, read-only, unprivileged; these complete `restricted`.
          securityContext: {
            user: cloudflaredUid,
            group: cloudflaredUid,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: podLabels }));
    this.deployment.scheduling.spread({ topology: kplus.Topology.HOSTNAME });

    new kplus.k8s.KubePodDisruptionBudget(this, "disruption-budget", {
      metadata: { name: "cloudflared", namespace, labels: podLabels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: podLabels } },
    });

    this.workloads = [{ name: "connector", podLabels }];
    addComponentPolicies(this, {
      namespace,
      // Ingress only for the collector's scrapes of /metrics: the tunnel itself only dials out.
      collector: props.telemetry,
      policies: [
        {
          workload: this.workloads[0],
          egress: [
            // Policies see pod ports: the gateway's HTTPS listener as its proxies bind it.
            {
              to: [podsPeer(props.publicGateway.proxyNamespace, props.publicGateway.proxyPodLabels)],
              ports: tcpPorts(props.publicGateway.httpsPodPort ?? envoyProxyPodPort(443)),
            },
            // 7844 carries the tunnel (QUIC over UDP, HTTP/2 over TCP); 443 reaches Cloudflare's API.
            internetEgress([...tcpPorts(7844), portRule(7844, "UDP"), ...tcpPorts(443)]),
          ],
          metricsPorts: [cloudflaredMetricsPort],
        },
      ],
    });
  }
}

/**
 * The connectors' pods in `namespace`, known before the construct is built, so that the public gateway
 * (built first) can let them in.
 */
export function cloudflaredConnectors(namespace = "cloudflared"): PodsRef {
  return { namespace, podLabels: { ...podLabels } };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const secretKey = /^[-._a-zA-Z0-9]{1,253}$/;

function validateCloudflaredProps(props: CloudflaredProps, namespace: string, replicas: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(replicas) || replicas < 1) {
    problems.push(`replicas must be a whole number of at least 1, got ${replicas}`);
  }
  if (!dnsLabel.test(namespace)) {
    problems.push(`namespace must be a DNS label (lowercase letters, digits, '-'), got "${namespace}"`);
  }
  if (!dnsSubdomain.test(props.tunnelTokenSecret.name)) {
    problems.push(
      `tunnelTokenSecret.name must be a Secret name (lowercase DNS subdomain), got "${props.tunnelTokenSecret.name}"`,
    );
  }
  if (!secretKey.test(props.tunnelTokenSecret.key)) {
    problems.push(
      `tunnelTokenSecret.key must be a Secret key (letters, digits, '-', '_', '.'), got "${props.tunnelTokenSecret.key}"`,
    );
  }
  if (props.image !== undefined && props.image.trim() === "") {
    problems.push(
      `image must be an image reference such as "docker.io/cloudflare/cloudflared:<tag>", got ""`,
    );
  }
  if (problems.length > 0) throw new Error(`Cloudflared: ${problems.join("; ")}`);
}
