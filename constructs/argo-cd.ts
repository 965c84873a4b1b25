import { Construct } from "constructs";
import { pins } from "../pins";
import type { GatewayRef } from "./gateway-ref";
import { AppProject } from "./imports/argoproj.io";
import { attachLabels, gatewayRoute } from "./gateway-route";
import type { HttpRoute } from "./imports/gateway.networking.k8s.io";
import {
  containerResources,
  type ComponentNamespace,
  type HelmChart,
  type PlatformComponent,
} from "./platform-component";

/** Configuration of `ArgoCd`; only `hostname` is required. */
export interface ArgoCdProps {
  /** The hostname the Argo CD UI answers on, e.g. `argocd.home.example.org`. */
  readonly hostname: string;
  /**
   * The internal gateway the UI's route attaches to.
   * @default - no route: the UI is reached with `kubectl port-forward`
   */
  readonly gateway?: GatewayRef;
  /**
   * Run Dex for single sign-on; its connectors are configured separately in `argocd-cm`.
   * @default false
   */
  readonly dex?: boolean;
  /**
   * The namespace Argo CD runs in.
   * @default "argocd"
   */
  readonly namespace?: string;
}

/** The chart's `fullnameOverride`, so its Service names do not depend on the release name. */
const fullname = "argocd";
const serverService = `${fullname}-server`;
/**
 * The AppProject Argo CD creates for itself when it starts, and which any Application that names no other
 * project falls into: left as Argo CD makes it, it admits every repository, every destination and every
 * kind, cluster-scoped ones included.
 */
export const defaultProjectName = "default";

/**
 * The Redis password Secret every Argo CD pod reads: the chart hard-codes its name and key
 * (templates/_helpers.tpl). The chart's pre-install hook that generates it (`redisSecretInit`) is turned
 * off, since Pulumi's Helm support does not run hooks: whoever installs `ArgoCd` creates this Secret
 * first, with a random value under `key`.
 */
export const argoCdRedisSecret = { name: "argocd-redis", key: "auth" } as const;

/**
 * Argo CD from the upstream chart, sized for a homelab, with its UI behind the internal gateway and its
 * `default` AppProject locked: nothing is delivered except through a project made for it (each app's
 * own). The platform itself is applied by Pulumi, not by Argo CD. TLS ends at the gateway, so the server
 * speaks plain HTTP inside the cluster.
 */
export class ArgoCd extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** The argo-cd chart. */
  readonly helmCharts: readonly HelmChart[];
  /** The hostname of the UI's HTTPRoute. */
  readonly hostname: string;
  /** Absent without a gateway. */
  readonly route?: HttpRoute;
  /**
   * The `default` AppProject, taken over from Argo CD and emptied: no source repository, no destination,
   * no kind. An Application that names no project of its own (one made in the UI, say) deploys nothing.
   */
  readonly defaultProject: AppProject;

  /**
   * Adds Argo CD's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (hostname, namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id);
    const namespace = props.namespace ?? "argocd";
    validateArgoCdProps(props, namespace);
    this.hostname = props.hostname;
    // The chart's pods set runAsNonRoot, seccomp RuntimeDefault and drop ALL capabilities.
    this.namespace = {
      name: namespace,
      podSecurity: "restricted",
      labels: attachLabels(props.gateway),
    };

    this.helmCharts = [
      {
        repository: "https://argoproj.github.io/argo-helm",
        name: "argo-cd",
        version: pins.charts.argocd,
        release: "argocd",
        namespace,
        values: argoCdValues(props.hostname, props.dex ?? false),
      },
    ];

    if (props.gateway) {
      this.route = gatewayRoute(this, "route", {
        name: serverService,
        namespace,
        gateway: props.gateway,
        hostname: props.hostname,
        service: serverService,
        port: 80,
      });
    }

    this.defaultProject = new AppProject(this, "default-project", {
      metadata: {
        name: defaultProjectName,
        namespace,
        // Argo CD may have created the project first, owning these fields: Pulumi's server-side apply
        // takes them over instead of failing on the conflict.
        annotations: { "pulumi.com/patchForce": "true" },
      },
      spec: {
        description: "Locked: every app has a project of its own, and the platform is applied by Pulumi.",
        sourceRepos: [],
        destinations: [],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [],
      },
    });
  }
}

function argoCdValues(hostname: string, dex: boolean): Record<string, unknown> {
  return {
    fullnameOverride: fullname,
    global: { domain: hostname },
    configs: { params: { "server.insecure": true } },
    dex: { enabled: dex, resources: containerResources("10m", "32Mi", "100m", "128Mi") },
    controller: { resources: containerResources("250m", "512Mi", "1", "1Gi") },
    server: { resources: containerResources("50m", "128Mi", "500m", "256Mi") },
    repoServer: { resources: containerResources("100m", "256Mi", "1", "1Gi") },
    redis: { resources: containerResources("50m", "64Mi", "200m", "128Mi") },
    // A hook Job would generate `argocd-redis`; the installer provides it instead (`argoCdRedisSecret`).
    redisSecretInit: { enabled: false },
    applicationSet: { resources: containerResources("50m", "64Mi", "200m", "256Mi") },
    notifications: { resources: containerResources("20m", "64Mi", "100m", "128Mi") },
  };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$/;

function validateArgoCdProps(props: ArgoCdProps, namespace: string): void {
  const problems: string[] = [];
  if (!hostnamePattern.test(props.hostname)) {
    problems.push(
      `hostname must be a lowercase fully qualified name such as "argocd.home.example.org", got "${props.hostname}"`,
    );
  }
  if (!dnsLabel.test(namespace)) {
    problems.push(`namespace must be a DNS label (lowercase letters, digits, '-'), got "${namespace}"`);
  }
  if (problems.length > 0) throw new Error(`ArgoCd: ${problems.join("; ")}`);
}
