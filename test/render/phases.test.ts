import * as path from "node:path";
import { parse } from "yaml";
import { renderCluster } from "../../cli/render-cluster";
import { loadInventoryFile } from "../../inventory";

const root = path.resolve(__dirname, "../..");
const files = renderCluster(loadInventoryFile(path.join(root, "Pulumi.core.yaml")), "Pulumi.core.yaml");
const paths = files.map((file) => file.path);

describe("render's install phases", () => {
  it("writes each component's phases beside its objects, sorting in apply order (the Helm charts between 1 and 2)", () => {
    const manifests = paths.filter((file) => file.startsWith("k8s/"));
    expect(manifests).toEqual([...manifests].sort());
    expect(manifests).toEqual(
      expect.arrayContaining([
        "k8s/02-metallb-3-after-charts.yaml",
        "k8s/03-cert-manager-3-after-charts.yaml",
        "k8s/04-envoy-gateway-1-before-charts.yaml",
        "k8s/07-lgtm-2-with-charts.yaml",
        "k8s/08-upgrades-1-before-charts.yaml",
        "k8s/08-upgrades-3-after-charts.yaml",
      ]),
    );
    // An empty phase writes no file.
    expect(manifests.filter((file) => /-\d-(before|with|after)-charts\.yaml$/.test(file))).toHaveLength(6);
    for (const [phase, component] of [
      ["k8s/02-metallb-3-after-charts.yaml", "k8s/02-metallb.yaml"],
      ["k8s/04-envoy-gateway-1-before-charts.yaml", "k8s/04-envoy-gateway.yaml"],
    ]) {
      expect(manifests.indexOf(phase)).toBe(manifests.indexOf(component) - 1);
    }
  });

  it("lists the bootstrap Secrets by name and source, with no value", () => {
    const file = files.find((each) => each.path === "bootstrap-secrets.yaml")!;
    const entries = parse(file.content) as {
      namespace: string;
      name: string;
      keys: Record<string, string>;
    }[];
    expect(entries.map((entry) => `${entry.namespace}/${entry.name}`)).toEqual([
      "cert-manager/cloudflare-dns-token",
      "cloudflared/cloudflared-tunnel-token",
      "argocd/argocd-redis",
      "monitoring/mimir-object-store",
      "monitoring/telemetry-dev-htpasswd",
      "monitoring/telemetry-prod-htpasswd",
      "monitoring/grafana-smtp",
    ]);
    for (const entry of entries) {
      for (const source of Object.values(entry.keys)) {
        expect(source).toMatch(
          /^(secret input \w+|generated: \d+ random letters and digits, kept in Pulumi's state|htpasswd \(\{SHA\}\) of tenant \w+'s generated password, exported secret as telemetryCredentials)$/,
        );
      }
    }
  });
});
