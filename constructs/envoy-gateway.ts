import { isIP } from "net";
import { Chart, JsonPatch } from "cdk8s";
import { Construct } from "constructs";
import { pins } from "../pins";
import type { WildcardCertificate } from "./cert-manager";
import type { GatewayRef } from "./gateway-ref";
import {
  EnvoyProxy,
  EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesLimits as ProxyLimit,
  EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesRequests as ProxyRequest,
  EnvoyProxySpecProviderType,
} from "./imports/gateway.envoyproxy.io";
import {
  Gateway,
  GatewayClass,
  GatewaySpecListenersAllowedRoutesNamespacesFrom as AllowedNamespaces,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme as RedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode as RedirectStatus,
  HttpRouteSpecRulesFiltersType,
} from "./imports/gateway.networking.k8s.io";
import { EnvoyGatewayCertgen } from "./hook-jobs";
import { installJobPodLabels } from "./install-job";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  InstallPhases,
  PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  apiServerEgress,
  internetEgress,
  podsPeer,
  tcpPorts,
  type KubernetesApiAccess,
  type PodsRef,
  type WorkloadPolicy,
} from "./platform-policies";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** Configuration of `EnvoyGateway`: the two gateways' LAN addresses and their certificate. */
export interface EnvoyGatewayProps {
  /** The LAN address (from the MetalLB pool) of the gateway for routes reachable only at home. */
  readonly internalAddress: string;
  /** The LAN address (from the MetalLB pool) of the gateway the Cloudflare tunnel sends public traffic to. */
  readonly publicAddress: string;
  /** The wildcard certificate both gateways terminate TLS with; it must live in `namespace`. */
  readonly certificate: WildcardCertificate;
  /**
   * Where the controller, the Gateways and their Envoy proxies run.
   * @default "envoy-gateway-system"
   */
  readonly namespace?: string;
  /**
   * Where the certgen Job goes (`beforeCharts`): the chart's pre-install hook, whose TLS Secrets the
   * controller and the proxies mount.
   * @default - among the component's own objects
   */
  readonly phases?: InstallPhases;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS and
   * what each part needs; see the README's table.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
  /**
   * The Cloudflare tunnel's connector pods, let in to the public gateway's HTTPS pod port (with
   * `apiServer` only).
   * @default - no tunnel: only addresses reach the public gateway
   */
  readonly tunnel?: PodsRef;
  /**
   * The telemetry collector let in on the controller's and the proxies' `metrics` port (with `apiServer`
   * only).
   * @default - no scrapes
   */
  readonly telemetry?: TelemetryCollectorRef;
}

type GatewayName = "internal" | "public";

const controllerName = "gateway.envoyproxy.io/gatewayclass-controller";
/** Talos's default cluster domain. */
const clusterDomain = "cluster.local";
const httpsListener = "https";
const httpListener = "http";
const httpsPort = 443;
const httpPort = 80;
/** The controller's xDS port (the chart's `deployment.ports` `grpc`), which the proxies connect to. */
const xdsPort = 18000;
/** The `metrics` container port of the controller (chart values) and of each proxy (Envoy Gateway's stats port). */
const metricsPort = 19001;

/**
 * The container port a proxy binds a listener on: Envoy Gateway runs Envoy unprivileged and adds 10000 to
 * listener ports below 1024 (unless an EnvoyProxy asks for `useListenerPortAsContainerPort`, which these
 * do not).
 */
export function envoyProxyPodPort(listenerPort: number): number {
  return listenerPort < 1024 ? listenerPort + 10000 : listenerPort;
}

/**
 * Envoy Gateway with two Gateways, `internal` and `public`, each on its own Envoy proxy and LAN address.
 * Both terminate HTTPS with the wildcard certificate and redirect plain HTTP to HTTPS; a namespace's
 * routes attach to a gateway only when the namespace carries that gateway's attach label.
 */
export class EnvoyGateway extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** The gateway-helm chart: the controller and the Gateway API CRDs. */
  readonly helmCharts: readonly HelmChart[];
  /** The GatewayClass both Gateways use. */
  readonly gatewayClassName: string;
  /** The gateway for routes reachable only at home, at `internalAddress`: pass it to routes and apps. */
  readonly internal: GatewayRef;
  /** The gateway the Cloudflare tunnel sends public traffic to, at `publicAddress`. */
  readonly public: GatewayRef;
  /** The public gateway's in-cluster Service, which the Cloudflare tunnel reaches over HTTPS on 443. */
  readonly publicServiceHost: string;
  /** The controller, each gateway's proxies and the certgen Job. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds Envoy Gateway's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (the addresses, the certificate's namespace), before adding anything
   */
  constructor(scope: Construct, id: string, props: EnvoyGatewayProps) {
    super(scope, id);
    const namespace = props.namespace ?? "envoy-gateway-system";
    checkProps(this.node.path, props, namespace);
    this.namespace = { name: namespace, podSecurity: "restricted" };
    this.helmCharts = [
      {
        repository: "oci://docker.io/envoyproxy",
        name: "gateway-helm",
        version: pins.charts.envoyGateway,
        release: "envoy-gateway",
        namespace,
        values: {
          config: { envoyGateway: { gateway: { controllerName } } },
          // A pre-install hook webhook (failurePolicy Ignore) that labels proxy pods with their zone for
          // zone-aware routing; Pulumi's Helm support skips hooks, and the gateways do not need it.
          topologyInjector: { enabled: false },
        },
      },
    ];
    // The release name does not contain the chart name, so the chart's full name is `<release>-gateway-helm`.
    new EnvoyGatewayCertgen(props.phases?.beforeCharts ?? this, `${id}-certgen`, {
      namespace,
      fullname: "envoy-gateway-gateway-helm",
      topologyInjector: false,
      clusterDomain,
    });

    this.gatewayClassName = "envoy-gateway";
    const gatewayClass = new GatewayClass(this, "gateway-class", {
      metadata: { name: this.gatewayClassName },
      spec: { controllerName },
    });
    // Cluster-scoped: drop the namespace a Chart with a default namespace stamps on every object.
    if (Chart.of(this).namespace) gatewayClass.addJsonPatch(JsonPatch.remove("/metadata/namespace"));

    this.internal = this.addGateway("internal", props.internalAddress, props.certificate, namespace);
    this.public = this.addGateway("public", props.publicAddress, props.certificate, namespace);
    this.publicServiceHost = `${proxyServiceName("public")}.${namespace}.svc.${clusterDomain}`;

    // The chart's pod labels: control-plane plus its selector labels (chart name and release).
    const controller: ComponentWorkload = {
      name: "controller",
      podLabels: {
        "control-plane": "envoy-gateway",
        "app.kubernetes.io/name": "gateway-helm",
        "app.kubernetes.io/instance": "envoy-gateway",
      },
    };
    const proxies = [this.internal, this.public].map((gateway): ComponentWorkload => ({
      name: `${gateway.name}-proxy`,
      podLabels: gateway.proxyPodLabels,
    }));
    const certgen: ComponentWorkload = {
      name: "certgen",
      podLabels: installJobPodLabels("envoy-gateway-gateway-helm-certgen"),
    };
    this.workloads = [controller, ...proxies, certgen];
    if (props.apiServer) {
      const api = props.apiServer;
      const listenerPodPorts = [httpsPort, httpPort].map(envoyProxyPodPort);
      const proxyPolicy = (gateway: GatewayRef, workload: ComponentWorkload): WorkloadPolicy => ({
        workload,
        ingress: [
          // Clients on the LAN (and, for the public gateway, whatever reaches its LAN address).
          { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcpPorts(...listenerPodPorts) },
          ...(gateway.name === "public" && props.tunnel
            ? [
                {
                  from: [podsPeer(props.tunnel.namespace, props.tunnel.podLabels)],
                  ports: tcpPorts(envoyProxyPodPort(httpsPort)),
                },
              ]
            : []),
        ],
        egress: [
          { to: [podsPeer(namespace, controller.podLabels)], ports: tcpPorts(xdsPort) },
          // Backends: any pod of a namespace whose routes may attach; the backends' policies pick the ports.
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [gateway.attachLabel.key]: gateway.attachLabel.value } },
              },
            ],
          },
          // Remote JWKS (Cloudflare Access's signing keys), fetched by the proxy itself: only the public
          // gateway checks Access tokens.
          ...(gateway.name === "public" ? [internetEgress(tcpPorts(443))] : []),
        ],
        metricsPorts: [metricsPort],
      });
      addComponentPolicies(this, {
        namespace,
        collector: props.telemetry,
        policies: [
          {
            workload: controller,
            ingress: [
              {
                from: [this.internal, this.public].map((gateway) =>
                  podsPeer(namespace, gateway.proxyPodLabels),
                ),
                ports: tcpPorts(xdsPort),
              },
            ],
            egress: [apiServerEgress(api)],
            metricsPorts: [metricsPort],
          },
          proxyPolicy(this.internal, proxies[0]),
          proxyPolicy(this.public, proxies[1]),
          // Writes the controller's and the proxies' TLS Secrets.
          { workload: certgen, egress: [apiServerEgress(api)] },
        ],
      });
    }
  }

  private addGateway(
    name: GatewayName,
    address: string,
    certificate: WildcardCertificate,
    namespace: string,
  ): GatewayRef {
    const hostname = `*.${certificate.domain}`;
    const proxy = new EnvoyProxy(this, `${name}-proxy`, {
      metadata: { name: proxyServiceName(name), namespace },
      spec: {
        provider: {
          type: EnvoyProxySpecProviderType.KUBERNETES,
          kubernetes: {
            // Pinned so the tunnel and NetworkPolicies can name the Service and MetalLB gives it a known address.
            envoyService: {
              name: proxyServiceName(name),
              annotations: { "metallb.io/loadBalancerIPs": address },
            },
            envoyDeployment: {
              container: {
                resources: {
                  requests: {
                    cpu: ProxyRequest.fromString("100m"),
                    memory: ProxyRequest.fromString("128Mi"),
                  },
                  limits: { memory: ProxyLimit.fromString("512Mi") },
                },
              },
            },
          },
        },
      },
    });

    const gateway = new Gateway(this, name, {
      metadata: { name, namespace },
      spec: {
        gatewayClassName: this.gatewayClassName,
        infrastructure: {
          parametersRef: { group: "gateway.envoyproxy.io", kind: EnvoyProxy.GVK.kind, name: proxy.name },
        },
        listeners: [
          {
            name: httpsListener,
            protocol: "HTTPS",
            port: httpsPort,
            hostname,
            tls: {
              mode: GatewaySpecListenersTlsMode.TERMINATE,
              certificateRefs: [{ name: certificate.secretName }],
            },
            allowedRoutes: {
              namespaces: {
                from: AllowedNamespaces.SELECTOR,
                selector: { matchLabels: { [attachLabelKey(name)]: "true" } },
              },
            },
          },
          {
            name: httpListener,
            protocol: "HTTP",
            port: httpPort,
            hostname,
            // Only the redirect below, from this namespace, may attach: plain HTTP never reaches an app.
            allowedRoutes: { namespaces: { from: AllowedNamespaces.SAME } },
          },
        ],
      },
    });

    new HttpRoute(this, `${name}-https-redirect`, {
      metadata: { name: `${name}-https-redirect`, namespace },
      spec: {
        parentRefs: [{ name: gateway.name, sectionName: httpListener }],
        rules: [
          {
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: { scheme: RedirectScheme.HTTPS, statusCode: RedirectStatus.VALUE_301 },
              },
            ],
          },
        ],
      },
    });

    return {
      name,
      namespace,
      attachLabel: { key: attachLabelKey(name), value: "true" },
      // Envoy Gateway runs the proxies in its own namespace, which here is also the Gateways' namespace.
      proxyNamespace: namespace,
      proxyPodLabels: {
        "gateway.envoyproxy.io/owning-gateway-name": name,
        "gateway.envoyproxy.io/owning-gateway-namespace": namespace,
      },
      address,
      httpsListener,
      httpsPodPort: envoyProxyPodPort(httpsPort),
    };
  }
}

function proxyServiceName(gatewayName: GatewayName): string {
  return `envoy-${gatewayName}`;
}

function attachLabelKey(gatewayName: GatewayName): string {
  return `homelab.dev/gateway-${gatewayName}`;
}

function checkProps(path: string, props: EnvoyGatewayProps, namespace: string): void {
  for (const key of ["internalAddress", "publicAddress"] as const) {
    if (isIP(props[key]) === 0) {
      throw new Error(
        `${path}: ${key} "${props[key]}" must be one IP address from the MetalLB pool, such as 192.168.1.240`,
      );
    }
  }
  if (props.internalAddress === props.publicAddress) {
    throw new Error(
      `${path}: internalAddress and publicAddress must differ: each gateway has its own LAN address`,
    );
  }
  if (props.certificate.namespace !== namespace) {
    throw new Error(
      `${path}: certificate lives in namespace ${props.certificate.namespace}, but the gateways in ${namespace} can only ` +
        `use a Secret of their own namespace: give CertManager certificateNamespace "${namespace}"`,
    );
  }
}
