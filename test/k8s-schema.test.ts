import { Testing } from "cdk8s";
import { IpAddressPool } from "../constructs/imports/metallb.io";
import { validateHelmValues } from "./support/helm-values";
import { validateManifest } from "./support/k8s-schema";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "apps", labels: { "app.kubernetes.io/name": "web" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { "app.kubernetes.io/name": "web" } },
    template: {
      metadata: { labels: { "app.kubernetes.io/name": "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 8080 }] }] },
    },
  },
};

const ipAddressPool = {
  apiVersion: "metallb.io/v1beta1",
  kind: "IPAddressPool",
  metadata: { name: "lan", namespace: "metallb-system" },
  spec: { addresses: ["192.168.1.240-192.168.1.250"] },
};

const clusterIssuer = {
  apiVersion: "cert-manager.io/v1",
  kind: "ClusterIssuer",
  metadata: { name: "letsencrypt" },
  spec: {
    acme: {
      email: "ops@example.org",
      server: "https://acme-v02.api.letsencrypt.org/directory",
      privateKeySecretRef: { name: "letsencrypt-account" },
      solvers: [
        { dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } } },
      ],
    },
  },
};

const httpsListener = {
  name: "https",
  protocol: "HTTPS",
  port: 443,
  hostname: "*.home.example.org",
  tls: { mode: "Terminate", certificateRefs: [{ name: "wildcard-tls" }] },
  allowedRoutes: { namespaces: { from: "All" } },
};

const gateway = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "internal", namespace: "envoy-gateway-system" },
  spec: { gatewayClassName: "envoy", listeners: [httpsListener] },
};

/** A copy of `manifest` with `change` applied to a deep copy of its spec. */
function withSpec<T extends { spec: object }>(
  manifest: T,
  change: (spec: Record<string, unknown>) => void,
): T {
  const copy = structuredClone(manifest);
  change(copy.spec as Record<string, unknown>);
  return copy;
}

describe("validateManifest on core kinds (kubernetes-models)", () => {
  it("accepts a valid Deployment", () => {
    expect(validateManifest(deployment)).toEqual([]);
  });

  it("rejects replicas given as a word, naming the object and the path", () => {
    const problems = validateManifest(withSpec(deployment, (spec) => (spec.replicas = "two")));
    expect(problems).toEqual(["Deployment/web in apps: $.spec.replicas must be integer"]);
  });

  it("reports list indices in the path", () => {
    const problems = validateManifest(
      withSpec(deployment, (spec) => {
        (spec.template as { spec: { containers: { ports: object[] }[] } }).spec.containers[0].ports = [
          { containerPort: "http" },
        ];
      }),
    );
    expect(problems).toEqual([
      "Deployment/web in apps: $.spec.template.spec.containers[0].ports[0].containerPort must be integer",
    ]);
  });

  it("checks names by the rule of the kind", () => {
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "9-lives" }, spec: {} };
    expect(validateManifest(service)).toEqual([
      expect.stringMatching(/^Service\/9-lives: \$\.metadata\.name must be a DNS-1035 label/),
    ]);
  });
});

describe("validateManifest on custom resources (CRDs)", () => {
  it("accepts a valid metallb IPAddressPool", () => {
    expect(validateManifest(ipAddressPool)).toEqual([]);
  });

  it("rejects a field the IPAddressPool schema does not declare", () => {
    const problems = validateManifest(withSpec(ipAddressPool, (spec) => (spec.autoAsign = false)));
    expect(problems).toEqual([
      "IPAddressPool/lan in metallb-system: $.spec.autoAsign is not a known field (the API server would drop it)",
    ]);
  });

  it("rejects IPAddressPool addresses given as a string", () => {
    const problems = validateManifest(
      withSpec(ipAddressPool, (spec) => (spec.addresses = "192.168.1.240/28")),
    );
    expect(problems).toEqual(["IPAddressPool/lan in metallb-system: $.spec.addresses must be array"]);
  });

  it("accepts a valid cert-manager ClusterIssuer", () => {
    expect(validateManifest(clusterIssuer)).toEqual([]);
  });

  it("rejects a namespace on a cluster-scoped kind", () => {
    const namespaced = { ...clusterIssuer, metadata: { name: "letsencrypt", namespace: "cert-manager" } };
    expect(validateManifest(namespaced)).toEqual([
      "ClusterIssuer/letsencrypt in cert-manager: $.metadata.namespace must not be set: ClusterIssuer is cluster-scoped",
    ]);
  });

  it("accepts a valid Gateway API v1 Gateway", () => {
    expect(validateManifest(gateway)).toEqual([]);
  });

  it("rejects a Gateway listener with a port out of range and a malformed hostname", () => {
    const problems = validateManifest(
      withSpec(
        gateway,
        (spec) => (spec.listeners = [{ ...httpsListener, port: 70000, hostname: "Home_Lab" }]),
      ),
    );
    expect(problems).toEqual([
      "Gateway/internal in envoy-gateway-system: $.spec.listeners[0].hostname must match pattern " +
        '"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"',
      "Gateway/internal in envoy-gateway-system: $.spec.listeners[0].port must be <= 65535",
    ]);
  });

  it("rejects two Gateway listeners with one name (x-kubernetes-list-type: map)", () => {
    const problems = validateManifest(
      withSpec(gateway, (spec) => (spec.listeners = [httpsListener, { ...httpsListener, port: 8443 }])),
    );
    expect(problems).toEqual([
      "Gateway/internal in envoy-gateway-system: $.spec.listeners[1] repeats the name of entry 0 (list-type map keyed by name)",
    ]);
  });

  it("rejects an apiVersion the CRD no longer serves", () => {
    const tlsRoute = {
      apiVersion: "gateway.networking.k8s.io/v1alpha2",
      kind: "TLSRoute",
      metadata: { name: "passthrough", namespace: "envoy-gateway-system" },
      spec: {},
    };
    expect(validateManifest(tlsRoute)).toEqual([
      "TLSRoute/passthrough in envoy-gateway-system: $.apiVersion gateway.networking.k8s.io/v1alpha2 is no longer served for TLSRoute (served: v1)",
    ]);
  });

  it("rejects an apiVersion the CRD does not define", () => {
    expect(validateManifest({ ...ipAddressPool, apiVersion: "metallb.io/v1" })).toEqual([
      "IPAddressPool/lan in metallb-system: $.apiVersion metallb.io/v1 does not exist for IPAddressPool (served: v1beta1)",
    ]);
  });

  it("reads RE2 inline flags in CRD patterns (PrometheusRule partial_response_strategy is (?i))", () => {
    const prometheusRule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "platform", namespace: "monitoring" },
      spec: {
        groups: [
          { name: "up", partial_response_strategy: "WARN", rules: [{ alert: "Down", expr: "up == 0" }] },
        ],
      },
    };
    expect(validateManifest(prometheusRule)).toEqual([]);
  });

  it("takes integers and strings where x-kubernetes-int-or-string says so, and nothing else", () => {
    const serviceMonitor = (targetPort: unknown) => ({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "grafana", namespace: "monitoring" },
      spec: { selector: { matchLabels: { app: "grafana" } }, endpoints: [{ targetPort }] },
    });
    expect(validateManifest(serviceMonitor(3000))).toEqual([]);
    expect(validateManifest(serviceMonitor("http"))).toEqual([]);
    expect(validateManifest(serviceMonitor(true))).toContain(
      "ServiceMonitor/grafana in monitoring: $.spec.endpoints[0].targetPort must be an integer or a string",
    );
  });

  it("fills in schema defaults before checking required fields, without changing the object", () => {
    const clientTrafficPolicy = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "ClientTrafficPolicy",
      metadata: { name: "internal", namespace: "envoy-gateway-system" },
      spec: { targetSelectors: [{ kind: "Gateway", namespaces: {} }] },
    };
    const before = structuredClone(clientTrafficPolicy);
    expect(validateManifest(clientTrafficPolicy)).toEqual([]);
    expect(clientTrafficPolicy).toEqual(before);
  });

  it("agrees with the types cdk8s import generated from the same CRDs", () => {
    const chart = Testing.chart();
    new IpAddressPool(chart, "lan", {
      metadata: { name: "lan", namespace: "metallb-system" },
      spec: { addresses: ["192.168.1.240-192.168.1.250"], autoAssign: false },
    });
    const manifests = Testing.synth(chart);
    expect(manifests).toHaveLength(1);
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });
});

describe("validateManifest on metadata and unknown kinds", () => {
  it("rejects a kind no schema knows", () => {
    const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
    expect(validateManifest(widget)).toEqual(["Widget/w: no schema known for example.com/v1/Widget"]);
  });

  it("rejects a core apiVersion with a kind it does not have", () => {
    const widget = { apiVersion: "apps/v1", kind: "Widget", metadata: { name: "w" } };
    expect(validateManifest(widget)).toEqual(["Widget/w: no schema known for apps/v1/Widget"]);
  });

  it("rejects an object without apiVersion or kind", () => {
    expect(validateManifest({ metadata: { name: "x" } })).toEqual([
      "<no kind>/x: apiVersion and kind are required",
    ]);
  });

  it("requires a name that is a DNS subdomain", () => {
    const unnamed = { ...ipAddressPool, metadata: { namespace: "metallb-system" } };
    expect(validateManifest(unnamed)).toEqual([
      "IPAddressPool/<no name> in metallb-system: $.metadata.name is required",
    ]);
    const capitalised = { ...ipAddressPool, metadata: { name: "LAN", namespace: "metallb-system" } };
    expect(validateManifest(capitalised)).toEqual([
      expect.stringMatching(
        /^IPAddressPool\/LAN in metallb-system: \$\.metadata\.name must be a DNS subdomain/,
      ),
    ]);
  });

  it("rejects a label value longer than 63 characters", () => {
    const labelled = {
      ...ipAddressPool,
      metadata: { ...ipAddressPool.metadata, labels: { owner: "x".repeat(64) } },
    };
    expect(validateManifest(labelled)).toEqual([
      expect.stringMatching(
        /^IPAddressPool\/lan in metallb-system: \$\.metadata\.labels\.owner must be a string of at most 63/,
      ),
    ]);
  });
});

describe("validateHelmValues", () => {
  it("accepts metallb values that fit its schema", () => {
    expect(
      validateHelmValues("metallb", "0.16.1", {
        controller: { logLevel: "info" },
        speaker: { frr: { enabled: false } },
      }),
    ).toEqual([]);
  });

  it("rejects metallb values that break its schema", () => {
    expect(
      validateHelmValues("metallb", "0.16.1", {
        controller: { logLevel: "chatty" },
        speaker: { frr: { enabled: "no" } },
      }),
    ).toEqual([
      'metallb 0.16.1 values: $.controller.logLevel must be one of "all", "debug", "info", "warn", "error", "none"',
      "metallb 0.16.1 values: $.speaker.frr.enabled must be boolean",
    ]);
  });

  it("validates against cert-manager's $defs-based schema", () => {
    expect(validateHelmValues("cert-manager", "v1.21.1", { crds: { enabled: true } })).toEqual([]);
    expect(validateHelmValues("cert-manager", "v1.21.1", { crds: { enabled: "yes" } })).not.toEqual([]);
  });

  it("says when no schema is known for a chart version", () => {
    expect(validateHelmValues("metallb", "0.0.1", {})).toBeUndefined();
  });
});
