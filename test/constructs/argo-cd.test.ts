import { Testing } from "cdk8s";
import { ArgoCd, type ArgoCdProps } from "../../constructs/argo-cd";
import { pins } from "../../pins";
import { testGateway } from "../support/gateway-refs";
import { validateManifest } from "../support/k8s-schema";

// Kubernetes manifests and Helm values are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const internalGateway = testGateway("internal", "192.168.1.240");

const baseProps: ArgoCdProps = {
  hostname: "argocd.home.example.org",
  gateway: internalGateway,
};

function synth(props: Partial<ArgoCdProps> = {}) {
  const chart = Testing.chart();
  const argoCd = new ArgoCd(chart, "argocd", { ...baseProps, ...props });
  const manifests: Json[] = Testing.synth(chart);
  const only = (kind: string): Json => {
    const matching = manifests.filter((manifest) => manifest.kind === kind);
    expect(matching).toHaveLength(1);
    return matching[0];
  };
  const values: Json = argoCd.helmCharts[0].values;
  return { argoCd, manifests, only, values };
}

describe("ArgoCd", () => {
  const { argoCd, manifests, only, values } = synth();

  it("synthesizes the same manifests as before", () => {
    expect(manifests).toMatchSnapshot();
  });

  it("installs the pinned argo-cd chart with the same values as before", () => {
    expect(argoCd.helmCharts).toMatchSnapshot();
    expect(argoCd.helmCharts).toHaveLength(1);
    expect(argoCd.helmCharts[0]).toMatchObject({
      repository: "https://argoproj.github.io/argo-helm",
      name: "argo-cd",
      version: pins.charts.argocd,
      release: "argocd",
      namespace: "argocd",
    });
  });

  it("produces only objects that pass their upstream schema", () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(["AppProject", "HTTPRoute"]);
    expect(manifests.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("exposes a restricted namespace and the UI hostname", () => {
    expect(argoCd.namespace).toEqual({
      name: "argocd",
      podSecurity: "restricted",
      // The UI route attaches to the gateway only from a namespace carrying its label.
      labels: { "gateway.homelab.dev/internal": "true" },
    });
    expect(argoCd.hostname).toBe("argocd.home.example.org");
  });

  it("serves plain HTTP behind the gateway, on the UI's domain", () => {
    expect(values.configs.params["server.insecure"]).toBe(true);
    expect(values.global.domain).toBe("argocd.home.example.org");
  });

  it("leaves Dex off by default and runs it when asked", () => {
    expect(values.dex.enabled).toBe(false);
    expect(synth({ dex: true }).values.dex.enabled).toBe(true);
  });

  it.each(["controller", "server", "repoServer", "redis", "applicationSet", "notifications"])(
    "requests and limits CPU and memory for %s",
    (component) => {
      expect(values[component].resources).toEqual({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      });
    },
  );

  it("routes the hostname through the internal gateway's HTTPS listener to argocd-server", () => {
    const route = only("HTTPRoute");
    expect(route.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(route.metadata.namespace).toBe("argocd");
    expect(route.spec.parentRefs).toEqual([
      { name: "internal", namespace: "envoy-gateway-system", sectionName: "https" },
    ]);
    expect(route.spec.hostnames).toEqual(["argocd.home.example.org"]);
    expect(route.spec.rules).toEqual([{ backendRefs: [{ name: "argocd-server", port: 80 }] }]);
    expect(values.fullnameOverride).toBe("argocd");
  });

  it("locks the default AppProject: no repository, no destination, no kind", () => {
    const project = only("AppProject");
    expect(project.apiVersion).toBe("argoproj.io/v1alpha1");
    expect(project.metadata).toEqual({
      name: "default",
      namespace: "argocd",
      annotations: { "homelab-platform/apply-as-patch": "true", "pulumi.com/patchForce": "true" },
    });
    expect(project.spec).toMatchObject({
      sourceRepos: [],
      destinations: [],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [],
    });
    expect(argoCd.defaultProject.name).toBe("default");
    expect(validateManifest(project)).toEqual([]);
  });

  it("puts everything in the given namespace", () => {
    const custom = synth({ namespace: "gitops" });
    expect(custom.manifests.every((manifest) => manifest.metadata.namespace === "gitops")).toBe(true);
    expect(custom.argoCd.helmCharts[0].namespace).toBe("gitops");
  });

  it.each([
    [
      { hostname: "https://argocd.example.org" },
      `ArgoCd: hostname must be a lowercase fully qualified name such as "argocd.home.example.org", got "https://argocd.example.org"`,
    ],
    [
      { hostname: "*.example.org" },
      `ArgoCd: hostname must be a lowercase fully qualified name such as "argocd.home.example.org", got "*.example.org"`,
    ],
    [
      { namespace: "argo_cd" },
      `ArgoCd: namespace must be a DNS label (lowercase letters, digits, '-'), got "argo_cd"`,
    ],
  ])("rejects %j with a message naming the prop", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
