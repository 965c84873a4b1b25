import { Chart, JsonPatch } from "cdk8s";
import { Construct } from "constructs";
import { pins } from "../pins";
import { CertManagerStartupCheck } from "./hook-jobs";
import { installJobName, installJobPodLabels, waitForJob } from "./install-job";
import { Certificate, ClusterIssuer } from "./imports/cert-manager.io";
import { portRule } from "./network-profiles";
import type {
  ComponentNamespace,
  ComponentWorkload,
  HelmChart,
  InstallPhases,
  PlatformComponent,
} from "./platform-component";
import {
  addComponentPolicies,
  addressesEgress,
  apiServerEgress,
  internetEgress,
  tcpPorts,
  webhookIngress,
  type KubernetesApiAccess,
} from "./platform-policies";
import type { TelemetryCollectorRef } from "./telemetry-collector";

/** The Let's Encrypt ClusterIssuers cert-manager gets; staging has generous rate limits for trials. */
export type LetsEncryptIssuer = "letsencrypt-prod" | "letsencrypt-staging";

/** A certificate for `*.domain` and `domain`, kept by cert-manager in a TLS Secret. */
export interface WildcardCertificate {
  /** The domain, e.g. `home.example.org`; the certificate covers it and `*.domain`. */
  readonly domain: string;
  /** The TLS Secret cert-manager keeps the certificate and key in, which the gateways reference. */
  readonly secretName: string;
  /** Where the Certificate and its Secret live. */
  readonly namespace: string;
}

/** Configuration of `CertManager`: the ACME account, the DNS-01 credentials and the domains. */
export interface CertManagerProps {
  /** The e-mail Let's Encrypt registers the ACME account under and sends expiry notices to. */
  readonly acmeEmail: string;
  /**
   * A Cloudflare API token (Zone:DNS:Edit) in a Secret in cert-manager's namespace, which the Pulumi
   * layer creates; this construct only references it.
   */
  readonly cloudflareApiTokenSecret: { readonly name: string; readonly key: string };
  /** One wildcard certificate is issued per domain, e.g. `home.example.org`. */
  readonly wildcardDomains: string[];
  /** Where the wildcard Certificates and their Secrets go: the gateways' namespace. */
  readonly certificateNamespace: string;
  /**
   * The ClusterIssuer that signs the wildcard certificates.
   * @default "letsencrypt-prod"
   */
  readonly issuer?: LetsEncryptIssuer;
  /**
   * The namespace cert-manager runs in.
   * @default "cert-manager"
   */
  readonly namespace?: string;
  /**
   * Where the readiness gate goes (`afterCharts`): cert-manager's startupapicheck, which the issuers and
   * certificates must wait for.
   * @default - among the component's own objects
   */
  readonly phases?: InstallPhases;
  /**
   * The Kubernetes API as NetworkPolicies name it. Given, the namespace denies all traffic but DNS and
   * what each part needs: the API for all, the API server's calls to the webhook, and for the controller
   * Let's Encrypt and Cloudflare's API (HTTPS) and the DNS-01 checks against `dns01Resolvers`.
   * @default - no NetworkPolicies
   */
  readonly apiServer?: KubernetesApiAccess;
  /**
   * The telemetry collector let in on the `http-metrics` ports (with `apiServer` only).
   * @default - no scrapes
   */
  readonly telemetry?: TelemetryCollectorRef;
}

/**
 * The public resolvers DNS-01 propagation is checked against — only them
 * (`dns01RecursiveNameserversOnly`): the LAN resolver may answer for the homelab's own domain.
 */
export const dns01Resolvers: readonly string[] = ["1.1.1.1", "1.0.0.1"];
/** The webhook's container port, set in the values: the chart's default, stated because policies name it. */
export const certManagerWebhookPort = 10250;
/** The `http-metrics` container port of the controller, the cainjector and the webhook. */
const metricsPort = 9402;

const acmeServers: Record<LetsEncryptIssuer, string> = {
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
};

/**
 * cert-manager with Let's Encrypt ClusterIssuers solving DNS-01 through Cloudflare (so nothing on the
 * LAN needs to be reachable from the internet), and a wildcard certificate per domain for the gateways.
 */
export class CertManager extends Construct implements PlatformComponent {
  /** The namespace the component runs in, with the Pod Security level it needs; the caller creates it. */
  readonly namespace: ComponentNamespace;
  /** The cert-manager chart, with its CRDs. */
  readonly helmCharts: readonly HelmChart[];
  /** The ClusterIssuer the wildcard certificates use. */
  readonly issuer: LetsEncryptIssuer;
  /** In the order of `wildcardDomains`. */
  readonly certificates: readonly WildcardCertificate[];
  /** The controller, the cainjector, the webhook and the startupapicheck Job. */
  readonly workloads: readonly ComponentWorkload[];

  /**
   * Adds cert-manager's objects to `scope`, which must be inside a cdk8s `Chart`.
   * @throws Error naming the invalid props (acmeEmail, cloudflareApiTokenSecret, wildcardDomains, namespaces), before adding anything
   */
  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    checkProps(this.node.path, props);
    const namespace = props.namespace ?? "cert-manager";
    this.issuer = props.issuer ?? "letsencrypt-prod";
    this.namespace = { name: namespace, podSecurity: "restricted" };

    const resources = (memoryLimit: string) => ({
      requests: { cpu: "10m", memory: "64Mi" },
      limits: { memory: memoryLimit },
    });
    this.helmCharts = [
      {
        repository: "https://charts.jetstack.io",
        name: "cert-manager",
        version: pins.charts.certManager,
        release: "cert-manager",
        namespace,
        values: {
          crds: { enabled: true },
          resources: resources("256Mi"),
          webhook: { resources: resources("128Mi"), securePort: certManagerWebhookPort },
          cainjector: { resources: resources("256Mi") },
          // A post-install hook (its annotations come from values), which Pulumi's Helm support skips:
          // `CertManagerStartupCheck` runs the same check as the readiness gate instead.
          startupapicheck: { enabled: false },
          // The LAN resolver may answer for the homelab's own domain (split horizon): check DNS-01 records publicly.
          dns01RecursiveNameservers: dns01Resolvers.map((address) => `${address}:53`).join(","),
          dns01RecursiveNameserversOnly: true,
        },
      },
    ];

    // The release's full name is the release name, which contains the chart name.
    new CertManagerStartupCheck(props.phases?.afterCharts ?? this, `${id}-startupapicheck`, {
      namespace,
      fullname: "cert-manager",
      revision: pins.charts.certManager,
    });

    // The chart's selector labels: name, release (the full name here) and component.
    const part = (name: string, component: string): ComponentWorkload => ({
      name: component,
      podLabels: {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": "cert-manager",
        "app.kubernetes.io/component": component,
      },
    });
    const controller = part("cert-manager", "controller");
    const cainjector = part("cainjector", "cainjector");
    const webhook = part("webhook", "webhook");
    const startupCheck: ComponentWorkload = {
      name: "startupapicheck",
      podLabels: installJobPodLabels("cert-manager-startupapicheck"),
    };
    this.workloads = [controller, cainjector, webhook, startupCheck];
    if (props.apiServer) {
      const api = props.apiServer;
      const toApi = apiServerEgress(api);
      addComponentPolicies(this, {
        namespace,
        collector: props.telemetry,
        policies: [
          {
            workload: controller,
            egress: [
              toApi,
              // ACME (Let's Encrypt) and Cloudflare's API, both HTTPS.
              internetEgress(tcpPorts(443)),
              // DNS-01 propagation checks, against the public resolvers only.
              addressesEgress(dns01Resolvers, [portRule(53, "UDP"), portRule(53, "TCP")]),
            ],
            metricsPorts: [metricsPort],
          },
          // Injects CA bundles into webhook configurations and CRDs.
          { workload: cainjector, egress: [toApi], metricsPorts: [metricsPort] },
          // Called by the API server; reads its serving CA from a Secret.
          {
            workload: webhook,
            ingress: [webhookIngress(api, certManagerWebhookPort)],
            egress: [toApi],
            metricsPorts: [metricsPort],
          },
          // `check api`: dry-run CertificateRequests through the API server, which calls the webhook.
          { workload: startupCheck, egress: [toApi] },
        ],
      });
    }

    for (const [issuer, server] of Object.entries(acmeServers)) {
      const clusterIssuer = new ClusterIssuer(this, issuer, {
        metadata: { name: issuer },
        spec: {
          acme: {
            email: props.acmeEmail,
            server,
            privateKeySecretRef: { name: `${issuer}-account-key` },
            solvers: [{ dns01: { cloudflare: { apiTokenSecretRef: props.cloudflareApiTokenSecret } } }],
          },
        },
      });
      // Cluster-scoped: drop the namespace a Chart with a default namespace stamps on every object.
      if (Chart.of(this).namespace) clusterIssuer.addJsonPatch(JsonPatch.remove("/metadata/namespace"));
    }

    this.certificates = props.wildcardDomains.map((domain) => {
      const name = `wildcard-${domain.replaceAll(".", "-")}`;
      const certificate = { domain, secretName: `${name}-tls`, namespace: props.certificateNamespace };
      new Certificate(this, name, {
        metadata: { name, namespace: certificate.namespace },
        spec: {
          secretName: certificate.secretName,
          dnsNames: [`*.${domain}`, domain],
          issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: this.issuer },
        },
      });
      return certificate;
    });
    // Without a phase of its own the check shares this scope: the issuers and certificates wait for it.
    if (!props.phases?.afterCharts) {
      const name = installJobName("cert-manager-startupapicheck", pins.charts.certManager);
      waitForJob(this, { namespace, name }, ["cert-manager.io"]);
    }
  }

  /**
   * The wildcard certificate of one of `wildcardDomains`, to hand to `EnvoyGateway`.
   * @throws Error when `domain` is not one of `wildcardDomains`
   */
  certificate(domain: string): WildcardCertificate {
    const certificate = this.certificates.find((candidate) => candidate.domain === domain);
    if (!certificate) {
      const known = this.certificates.map((candidate) => candidate.domain).join(", ");
      throw new Error(`${this.node.path}: no wildcard certificate for ${domain} (wildcardDomains: ${known})`);
    }
    return certificate;
  }
}

const domainName = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkProps(path: string, props: CertManagerProps): void {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.acmeEmail)) {
    throw new Error(
      `${path}: acmeEmail "${props.acmeEmail}" must be an e-mail address such as ops@example.org`,
    );
  }
  const { name, key } = props.cloudflareApiTokenSecret;
  if (name === "" || key === "") {
    throw new Error(
      `${path}: cloudflareApiTokenSecret needs both the Secret's name and the key holding the token`,
    );
  }
  if (props.wildcardDomains.length === 0) {
    throw new Error(`${path}: wildcardDomains must list at least one domain, such as home.example.org`);
  }
  props.wildcardDomains.forEach((domain, index) => {
    if (!domainName.test(domain)) {
      throw new Error(
        `${path}: wildcardDomains[${index}] "${domain}" must be a lowercase domain name such as home.example.org, without "*."`,
      );
    }
    if (props.wildcardDomains.indexOf(domain) !== index) {
      throw new Error(`${path}: wildcardDomains[${index}] "${domain}" is listed twice`);
    }
  });
  if (!dnsLabel.test(props.certificateNamespace)) {
    throw new Error(
      `${path}: certificateNamespace "${props.certificateNamespace}" must be a namespace name (DNS label)`,
    );
  }
}
