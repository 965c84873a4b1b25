import { Chart, Testing } from "cdk8s";
import { CertManager, type CertManagerProps } from "../../constructs/cert-manager";
import { pins } from "../../pins";
import { validateHelmValues } from "../support/helm-values";
import { validateManifest } from "../support/k8s-schema";
import { installJobName } from "../../constructs/install-job";

const props: CertManagerProps = {
  acmeEmail: "ops@example.org",
  cloudflareApiTokenSecret: { name: "cloudflare-api-token", key: "api-token" },
  wildcardDomains: ["home.example.org", "lab.example.net"],
  certificateNamespace: "envoy-gateway-system",
};

/** The startupapicheck gate goes to its own phase chart, as the platform applies it. */
function synth(overrides: Partial<CertManagerProps> = {}, chart: Chart = Testing.chart()) {
  const afterCharts = Testing.chart();
  const certManager = new CertManager(chart, "cert-manager", {
    ...props,
    phases: { afterCharts },
    ...overrides,
  });
  return { certManager, manifests: Testing.synth(chart), gate: Testing.synth(afterCharts) };
}

describe("CertManager's readiness gate", () => {
  it("runs the chart's startupapicheck as a Job after the chart, named and bound as the chart does", () => {
    const { certManager, gate } = synth();
    expect(gate.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`)).toEqual([
      "ServiceAccount/cert-manager-startupapicheck",
      "Role/cert-manager-startupapicheck:create-cert",
      "RoleBinding/cert-manager-startupapicheck:create-cert",
      `Job/${installJobName("cert-manager-startupapicheck", pins.charts.certManager)}`,
    ]);
    const job = gate.find((manifest) => manifest.kind === "Job")!;
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image: `quay.io/jetstack/cert-manager-startupapicheck:${pins.images.certManagerStartupApiCheck}`,
      args: ["check", "api", "--wait=5m", "-v"],
    });
    // The chart's own hook is off: Pulumi would skip it anyway.
    expect(certManager.helmCharts[0].values.startupapicheck).toEqual({ enabled: false });
    expect(gate.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });
});

function ofKind(manifests: ReturnType<typeof Testing.synth>, kind: string) {
  return manifests.filter((manifest) => manifest.kind === kind);
}

describe("CertManager", () => {
  it("synthesizes the ClusterIssuers and the wildcard certificates, and the chart to install first", () => {
    const { certManager, manifests } = synth();
    expect({ manifests, helmCharts: certManager.helmCharts }).toMatchSnapshot();
  });

  it.each([
    ["letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"],
    ["letsencrypt-prod", "https://acme-v02.api.letsencrypt.org/directory"],
  ])("%s solves DNS-01 through Cloudflare with the API token Secret", (name, server) => {
    const issuer = ofKind(synth().manifests, "ClusterIssuer").find(
      (manifest) => manifest.metadata.name === name,
    );
    expect(issuer.metadata.namespace).toBeUndefined();
    expect(issuer.spec.acme).toEqual({
      email: "ops@example.org",
      server,
      privateKeySecretRef: { name: `${name}-account-key` },
      solvers: [
        { dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } } },
      ],
    });
  });

  it("issues one wildcard certificate per domain, into the certificate namespace, from letsencrypt-prod", () => {
    const certificates = ofKind(synth().manifests, "Certificate");
    expect(certificates.map((certificate) => [certificate.metadata, certificate.spec])).toEqual([
      [
        { name: "wildcard-home-example-org", namespace: "envoy-gateway-system" },
        {
          secretName: "wildcard-home-example-org-tls",
          dnsNames: ["*.home.example.org", "home.example.org"],
          issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" },
        },
      ],
      [
        { name: "wildcard-lab-example-net", namespace: "envoy-gateway-system" },
        {
          secretName: "wildcard-lab-example-net-tls",
          dnsNames: ["*.lab.example.net", "lab.example.net"],
          issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" },
        },
      ],
    ]);
  });

  it("uses the staging issuer when asked", () => {
    const { certManager, manifests } = synth({ issuer: "letsencrypt-staging" });
    expect(certManager.issuer).toBe("letsencrypt-staging");
    for (const certificate of ofKind(manifests, "Certificate")) {
      expect(certificate.spec.issuerRef.name).toBe("letsencrypt-staging");
    }
  });

  it("exposes the certificates as objects the gateways take", () => {
    const { certManager } = synth();
    const home = {
      domain: "home.example.org",
      secretName: "wildcard-home-example-org-tls",
      namespace: "envoy-gateway-system",
    };
    expect(certManager.certificates).toEqual([
      home,
      {
        domain: "lab.example.net",
        secretName: "wildcard-lab-example-net-tls",
        namespace: "envoy-gateway-system",
      },
    ]);
    expect(certManager.certificate("home.example.org")).toEqual(home);
    expect(() => certManager.certificate("example.com")).toThrow(
      "cert-manager: no wildcard certificate for example.com (wildcardDomains: home.example.org, lab.example.net)",
    );
  });

  it("keeps ClusterIssuers cluster-scoped in a Chart with a default namespace", () => {
    const chart = new Chart(Testing.app(), "platform", { namespace: "cert-manager" });
    const { manifests } = synth({}, chart);
    expect(ofKind(manifests, "ClusterIssuer").map((issuer) => issuer.metadata)).toEqual([
      { name: "letsencrypt-staging" },
      { name: "letsencrypt-prod" },
    ]);
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("synthesizes only objects that pass their upstream schema", () => {
    expect(synth().manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("installs the pinned chart with its CRDs and values its schema accepts, in a restricted namespace", () => {
    const { certManager } = synth();
    expect(certManager.namespace).toEqual({ name: "cert-manager", podSecurity: "restricted" });
    expect(certManager.helmCharts).toHaveLength(1);
    const [chart] = certManager.helmCharts;
    expect(chart).toMatchObject({
      repository: "https://charts.jetstack.io",
      name: "cert-manager",
      version: pins.charts.certManager,
      namespace: "cert-manager",
      values: { crds: { enabled: true } },
    });
    const problems = validateHelmValues(chart.name, chart.version, chart.values);
    expect(problems).toBeDefined();
    expect(problems).toEqual([]);
  });

  it.each<[Partial<CertManagerProps>, string]>([
    [{ acmeEmail: "ops" }, 'cert-manager: acmeEmail "ops" must be an e-mail address'],
    [
      { cloudflareApiTokenSecret: { name: "cloudflare-api-token", key: "" } },
      "cloudflareApiTokenSecret needs both",
    ],
    [{ wildcardDomains: [] }, "cert-manager: wildcardDomains must list at least one domain"],
    [
      { wildcardDomains: ["*.home.example.org"] },
      'wildcardDomains[0] "*.home.example.org" must be a lowercase domain name',
    ],
    [
      { wildcardDomains: ["Home.Example.org"] },
      'wildcardDomains[0] "Home.Example.org" must be a lowercase domain name',
    ],
    [
      { wildcardDomains: ["a.example.org", "a.example.org"] },
      'wildcardDomains[1] "a.example.org" is listed twice',
    ],
    [{ certificateNamespace: "Envoy" }, 'certificateNamespace "Envoy" must be a namespace name'],
  ])("rejects %j", (overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});
