import { Chart, Testing } from "cdk8s";
import type { WildcardCertificate } from "../../constructs/cert-manager";
import { EnvoyGateway, type EnvoyGatewayProps } from "../../constructs/envoy-gateway";
import { pins } from "../../pins";
import { validateHelmValues } from "../support/helm-values";
import { validateManifest } from "../support/k8s-schema";
import { installJobName } from "../../constructs/install-job";

const certificate: WildcardCertificate = {
  domain: "home.example.org",
  secretName: "wildcard-home-example-org-tls",
  namespace: "envoy-gateway-system",
};
const props: EnvoyGatewayProps = {
  internalAddress: "192.168.1.240",
  publicAddress: "192.168.1.241",
  certificate,
};

/** certgen goes to its own phase chart, as the platform applies it: `manifests` are the component's own. */
function synth(overrides: Partial<EnvoyGatewayProps> = {}, chart: Chart = Testing.chart()) {
  const beforeCharts = Testing.chart();
  const envoyGateway = new EnvoyGateway(chart, "envoy-gateway", {
    ...props,
    phases: { beforeCharts },
    ...overrides,
  });
  return { envoyGateway, manifests: Testing.synth(chart), certgen: Testing.synth(beforeCharts) };
}

describe("EnvoyGateway's certgen", () => {
  it("runs the chart's pre-install hook as a Job before the chart, with the hook's namespaced RBAC only", () => {
    const { certgen } = synth();
    expect(certgen.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`)).toEqual([
      "ServiceAccount/envoy-gateway-gateway-helm-certgen",
      "Role/envoy-gateway-gateway-helm-certgen",
      "RoleBinding/envoy-gateway-gateway-helm-certgen",
      `Job/${installJobName("envoy-gateway-gateway-helm-certgen", `docker.io/envoyproxy/gateway:${pins.images.envoyGateway}`)}`,
    ]);
    const job = certgen.find((manifest) => manifest.kind === "Job")!;
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image: `docker.io/envoyproxy/gateway:${pins.images.envoyGateway}`,
      command: ["envoy-gateway", "certgen"],
      args: ["--disable-topology-injector"],
    });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(certgen.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });
});

function find(kind: string, name: string) {
  const manifest = synth().manifests.find((each) => each.kind === kind && each.metadata.name === name);
  if (!manifest) throw new Error(`no ${kind}/${name} synthesized`);
  return manifest;
}

const gateways = [
  ["internal", "envoy-internal", "192.168.1.240"],
  ["public", "envoy-public", "192.168.1.241"],
] as const;

describe("EnvoyGateway", () => {
  it("synthesizes the gateway class, both gateways with their proxies and redirect routes, and the chart", () => {
    const { envoyGateway, manifests } = synth();
    expect({ manifests, helmCharts: envoyGateway.helmCharts }).toMatchSnapshot();
  });

  it("has one GatewayClass for the Envoy Gateway controller", () => {
    const gatewayClasses = synth().manifests.filter((manifest) => manifest.kind === "GatewayClass");
    expect(gatewayClasses).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: "envoy-gateway" },
        spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" },
      },
    ]);
  });

  describe.each(gateways)("the %s gateway", (gatewayName, serviceName, address) => {
    it("has an EnvoyProxy pinning its Service name and LAN address", () => {
      const proxy = find("EnvoyProxy", serviceName);
      expect(proxy.metadata.namespace).toBe("envoy-gateway-system");
      expect(proxy.spec.provider.type).toBe("Kubernetes");
      expect(proxy.spec.provider.kubernetes.envoyService).toEqual({
        name: serviceName,
        annotations: { "metallb.io/loadBalancerIPs": address },
      });
      expect(proxy.spec.provider.kubernetes.envoyDeployment.container.resources).toEqual({
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { memory: "512Mi" },
      });
    });

    it("uses its EnvoyProxy", () => {
      const gateway = find("Gateway", gatewayName);
      expect(gateway.metadata.namespace).toBe("envoy-gateway-system");
      expect(gateway.spec.gatewayClassName).toBe("envoy-gateway");
      expect(gateway.spec.infrastructure).toEqual({
        parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: serviceName },
      });
    });

    it("terminates HTTPS with the wildcard certificate for namespaces carrying its attach label", () => {
      const https = find("Gateway", gatewayName).spec.listeners.find(
        (listener: { name: string }) => listener.name === "https",
      );
      expect(https).toEqual({
        name: "https",
        protocol: "HTTPS",
        port: 443,
        hostname: "*.home.example.org",
        tls: { mode: "Terminate", certificateRefs: [{ name: "wildcard-home-example-org-tls" }] },
        allowedRoutes: {
          namespaces: {
            from: "Selector",
            selector: { matchLabels: { [`homelab.dev/gateway-${gatewayName}`]: "true" } },
          },
        },
      });
    });

    it("admits on its HTTP listener only routes of its own namespace", () => {
      const http = find("Gateway", gatewayName).spec.listeners.find(
        (listener: { name: string }) => listener.name === "http",
      );
      expect(http).toEqual({
        name: "http",
        protocol: "HTTP",
        port: 80,
        hostname: "*.home.example.org",
        allowedRoutes: { namespaces: { from: "Same" } },
      });
    });

    it("redirects plain HTTP to HTTPS with a 301", () => {
      const route = find("HTTPRoute", `${gatewayName}-https-redirect`);
      expect(route.metadata.namespace).toBe("envoy-gateway-system");
      expect(route.spec).toEqual({
        parentRefs: [{ name: gatewayName, sectionName: "http" }],
        rules: [
          { filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] },
        ],
      });
    });
  });

  it("attaches no other route to the HTTP listeners", () => {
    const routes = synth().manifests.filter((manifest) => manifest.kind === "HTTPRoute");
    expect(routes.map((route) => route.metadata.name)).toEqual([
      "internal-https-redirect",
      "public-https-redirect",
    ]);
  });

  it("exposes both gateways as GatewayRefs and the public Service host for the tunnel", () => {
    const { envoyGateway } = synth();
    expect(envoyGateway.internal).toEqual({
      name: "internal",
      namespace: "envoy-gateway-system",
      attachLabel: { key: "homelab.dev/gateway-internal", value: "true" },
      proxyNamespace: "envoy-gateway-system",
      proxyPodLabels: {
        "gateway.envoyproxy.io/owning-gateway-name": "internal",
        "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
      },
      address: "192.168.1.240",
      httpsListener: "https",
      httpsPodPort: 10443,
    });
    expect(envoyGateway.public).toMatchObject({
      name: "public",
      attachLabel: { key: "homelab.dev/gateway-public", value: "true" },
      proxyPodLabels: { "gateway.envoyproxy.io/owning-gateway-name": "public" },
      address: "192.168.1.241",
    });
    expect(envoyGateway.publicServiceHost).toBe("envoy-public.envoy-gateway-system.svc.cluster.local");
  });

  it("keeps the GatewayClass cluster-scoped in a Chart with a default namespace", () => {
    const chart = new Chart(Testing.app(), "platform", { namespace: "envoy-gateway-system" });
    const { manifests } = synth({}, chart);
    expect(manifests.find((manifest) => manifest.kind === "GatewayClass").metadata).toEqual({
      name: "envoy-gateway",
    });
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("synthesizes only objects that pass their upstream schema", () => {
    expect(synth().manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("installs the pinned chart from its OCI registry, in a restricted namespace", () => {
    const { envoyGateway } = synth();
    expect(envoyGateway.namespace).toEqual({ name: "envoy-gateway-system", podSecurity: "restricted" });
    expect(envoyGateway.helmCharts).toEqual([
      {
        repository: "oci://docker.io/envoyproxy",
        name: "gateway-helm",
        version: pins.charts.envoyGateway,
        release: "envoy-gateway",
        namespace: "envoy-gateway-system",
        values: {
          config: {
            envoyGateway: { gateway: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" } },
          },
          topologyInjector: { enabled: false },
        },
      },
    ]);
    // Envoy Gateway publishes no values schema: nothing to validate the values against.
    expect(validateHelmValues("gateway-helm", pins.charts.envoyGateway, {})).toBeUndefined();
  });

  it.each<[Partial<EnvoyGatewayProps>, string]>([
    [
      { internalAddress: "192.168.1.300" },
      'envoy-gateway: internalAddress "192.168.1.300" must be one IP address',
    ],
    [
      { publicAddress: "192.168.1.240/32" },
      'envoy-gateway: publicAddress "192.168.1.240/32" must be one IP address',
    ],
    [{ publicAddress: "192.168.1.240" }, "internalAddress and publicAddress must differ"],
    [
      { certificate: { ...certificate, namespace: "cert-manager" } },
      'certificate lives in namespace cert-manager, but the gateways in envoy-gateway-system can only use a Secret of their own namespace: give CertManager certificateNamespace "envoy-gateway-system"',
    ],
  ])("rejects %j", (overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});
