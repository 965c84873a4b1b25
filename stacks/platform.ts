import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Chart } from "cdk8s";
import {
  phaseFileStem,
  type ComponentName,
  type BootstrapSecret,
  type ClusterCharts,
  type SecretInput,
} from "../charts";
import { withAccessAudiences } from "./builders";
import { applyAsPatchAnnotation } from "../constructs/platform-component";
import { helmChartArgs } from "./helm-chart-args";

/** What `group` needs to know of a synthesized object. */
interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
}

export interface PlatformArgs {
  readonly charts: ClusterCharts;
  /** Secret; resolves only once the cluster is healthy. */
  readonly kubeconfig: pulumi.Output<string>;
  /** cert-manager's DNS-01 token, when cert-manager is enabled. */
  readonly cloudflareDnsToken?: pulumi.Output<string>;
  /** The tunnel token, when cloudflared is enabled. */
  readonly tunnelToken?: pulumi.Output<string>;
  /**
   * The AUD tag of each Cloudflare Access application, by hostname (`Edge.accessAudiences`): they replace
   * the audience placeholders of the gateway's token checks.
   */
  readonly accessAudiences?: Readonly<Record<string, pulumi.Output<string>>>;
  /** Grafana's SMTP password, when the hub's alerts go through a relay with a user. */
  readonly smtpPassword?: pulumi.Output<string>;
  /** A spoke's password at its hub (secret). */
  readonly telemetryHubPassword?: pulumi.Output<string>;
}

/**
 * The platform on the cluster: the namespaces, then the bootstrap Secrets, then component by component
 * in apply order: what the component's charts' pre-install hooks would make, the upstream Helm charts
 * together with the post-install hook replacements their workloads need to become ready, what the other
 * post-install hooks would do and the readiness gate of the component's admission webhook (Jobs Pulumi
 * awaits), then the component's own cdk8s objects. Each step depends on the ones before.
 */
export class Platform extends pulumi.ComponentResource {
  private readonly ownObjects = new Map<ComponentName, pulumi.Resource[]>();
  /**
   * A hub's generated password of each spoke tenant, by tenant (secret): what the spokes' stacks read
   * through their StackReference. Empty on a spoke or a hub without spokes.
   */
  readonly telemetryCredentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:platform:Platform", name, {}, opts);
    const provider = new k8s.Provider(
      `${name}-kubernetes`,
      { kubeconfig: args.kubeconfig },
      { parent: this },
    );
    const child = { parent: this, provider };

    const namespaces = new k8s.yaml.v2.ConfigGroup(
      `${name}-namespaces`,
      { objs: args.charts.namespaces.toJson() },
      child,
    );
    const inputs: Partial<Record<SecretInput, pulumi.Output<string>>> = {
      cloudflareDnsToken: args.cloudflareDnsToken,
      tunnelToken: args.tunnelToken,
      smtpPassword: args.smtpPassword,
      telemetryHubPassword: args.telemetryHubPassword,
    };
    // One generated password per spoke tenant, kept in Pulumi's state: the hub checks its hash, the spoke
    // sends it.
    const tenantPasswords: Record<string, pulumi.Output<string>> = {};
    const tenantPassword = (tenant: string) =>
      (tenantPasswords[tenant] ??= new random.RandomPassword(
        `${name}-telemetry-${tenant}`,
        { length: 40, special: false },
        { parent: this },
      ).result);
    const secrets = args.charts.bootstrapSecrets.flatMap((secret) => {
      const made = bootstrapSecret(this, name, secret, inputs, tenantPassword);
      return made
        ? [new k8s.core.v1.Secret(`${name}-${secret.name}`, made, { ...child, dependsOn: [namespaces] })]
        : [];
    });

    const group = (stem: string, chart: Chart, dependsOn: pulumi.Resource[]): pulumi.Resource[] => {
      const objects = withAccessAudiences(
        chart.toJson(),
        (host) => args.accessAudiences?.[host],
      ) as KubernetesObject[];
      // Objects their software has already made are patched; creating them would fail.
      const patches = objects.filter(
        (object) => object.metadata?.annotations?.[applyAsPatchAnnotation] === "true",
      );
      const created = objects.filter((object) => !patches.includes(object));
      return [
        ...(created.length > 0
          ? [new k8s.yaml.v2.ConfigGroup(`${name}-${stem}`, { objs: created }, { ...child, dependsOn })]
          : []),
        ...patches.map(
          (object) =>
            new k8s.apiextensions.CustomResourcePatch(
              `${name}-${stem}-${object.kind.toLowerCase()}-${object.metadata.name}`,
              object as unknown as k8s.apiextensions.CustomResourcePatchArgs,
              { ...child, dependsOn },
            ),
        ),
      ];
    };
    let previous: pulumi.Resource[] = [namespaces, ...secrets];
    for (const component of args.charts.components) {
      const beforeCharts = group(
        phaseFileStem(component.stem, "beforeCharts"),
        component.beforeCharts,
        previous,
      );
      const helmReleases = component.helmCharts.map(
        (chart) =>
          new k8s.helm.v4.Chart(`${name}-${chart.release}`, helmChartArgs(chart), {
            ...child,
            dependsOn: [...previous, ...beforeCharts],
          }),
      );
      // Beside the charts: neither waits for the other (its Jobs retry until the charts' services answer).
      const withCharts = group(phaseFileStem(component.stem, "withCharts"), component.withCharts, [
        ...previous,
        ...beforeCharts,
      ]);
      const afterCharts = group(phaseFileStem(component.stem, "afterCharts"), component.afterCharts, [
        ...previous,
        ...beforeCharts,
        ...helmReleases,
        ...withCharts,
      ]);
      const own = group(component.stem, component.chart, [
        ...previous,
        ...beforeCharts,
        ...helmReleases,
        ...withCharts,
        ...afterCharts,
      ]);
      previous = [...beforeCharts, ...helmReleases, ...withCharts, ...afterCharts, ...own];
      this.ownObjects.set(component.component, own);
    }
    this.telemetryCredentials = pulumi.secret(pulumi.all(tenantPasswords));
    this.registerOutputs({});
  }

  /**
   * Resolves once the component's own objects exist, each as its await logic (or `pulumi.com/waitFor`)
   * defines it: a ConfigGroup's `resources` resolve after every object in it was created or updated.
   * Resolves at once for a component the cluster does not enable.
   */
  applied(component: ComponentName): pulumi.Output<boolean> {
    const groups = (this.ownObjects.get(component) ?? []).filter((resource) =>
      k8s.yaml.v2.ConfigGroup.isInstance(resource),
    ) as k8s.yaml.v2.ConfigGroup[];
    return pulumi.all(groups.map((group) => group.resources)).apply(() => true);
  }
}

/**
 * The arguments of one bootstrap Secret: each key from its secret input or from a RandomPassword made
 * once per stack, the whole `stringData` secret. Undefined when an input it needs was not given.
 */
function bootstrapSecret(
  parent: pulumi.Resource,
  name: string,
  secret: BootstrapSecret,
  inputs: Partial<Record<SecretInput, pulumi.Output<string>>>,
  tenantPassword: (tenant: string) => pulumi.Output<string>,
): k8s.core.v1.SecretArgs | undefined {
  const data: Record<string, pulumi.Output<string>> = {};
  for (const [key, source] of Object.entries(secret.keys)) {
    if (source.from === "config") {
      const input = inputs[source.input];
      if (input === undefined) return undefined;
      data[key] = input;
    } else if (source.from === "telemetryTenant") {
      data[key] = tenantPassword(source.tenant).apply((password) => htpasswdLine(source.tenant, password));
    } else {
      // Letters and digits only: some readers expand the value into config text.
      data[key] = new random.RandomPassword(
        `${name}-${secret.name}-${key}`,
        { length: source.length, special: false },
        { parent },
      ).result;
    }
  }
  return {
    metadata: { name: secret.name, namespace: secret.namespace },
    stringData: pulumi.secret(pulumi.all(data)),
  };
}

/**
 * One `user:{SHA}<base64 SHA-1>` line: the only htpasswd form Envoy Gateway's basic auth reads. SHA-1
 * without salt is weak for passwords people choose; these are 40 random letters and digits.
 */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash("sha1").update(password).digest("base64")}`;
}
