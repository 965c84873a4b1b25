import { Testing } from "cdk8s";
import { TelemetryCollectors, type TelemetryCollectorsProps } from "../../constructs/telemetry-collectors";
import type { KubernetesApiAccess } from "../../constructs/platform-policies";
import { validateManifest } from "../support/k8s-schema";
import { workloadProblems } from "../support/workload-security";

// Kubernetes manifests and Helm values are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const apiServer: KubernetesApiAccess = {
  addresses: ["192.168.1.11", "192.168.1.10"],
  controlPlaneAddresses: ["192.168.1.11"],
  port: 6443,
};

const spoke: TelemetryCollectorsProps = {
  cluster: "edge",
  destination: {
    kind: "hub",
    hostname: "telemetry.hub.example.org",
    address: "192.168.20.200",
    credentials: { name: "telemetry-hub-credentials", key: "password" },
  },
  apiServer,
  nodeAddresses: ["192.168.1.11", "192.168.1.12"],
};

function synth(props: TelemetryCollectorsProps = spoke) {
  const chart = Testing.chart();
  const collectors = new TelemetryCollectors(chart, "collectors", props);
  const objects: Json[] = Testing.synth(chart);
  const values = collectors.helmCharts[0].values as Json;
  return { collectors, objects, values };
}

describe("TelemetryCollectors on a spoke", () => {
  const { collectors, objects, values } = synth();

  it("installs only Alloy's chart, beside kube-state-metrics and node-exporter of its own", () => {
    expect(collectors.helmCharts.map((chart) => chart.name)).toEqual(["alloy"]);
    const kinds = objects.map(
      (object) => `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`,
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        "Deployment/monitoring/kube-state-metrics",
        "DaemonSet/kube-system/node-exporter",
        "NetworkPolicy/monitoring/default-deny",
        "NetworkPolicy/monitoring/allow-alloy",
        "NetworkPolicy/monitoring/allow-kube-state-metrics",
      ]),
    );
    expect(objects.flatMap((object) => validateManifest(object))).toEqual([]);
    expect(objects.flatMap((object) => workloadProblems(object))).toEqual([]);
  });

  it("ships to the hub over TLS as its cluster, with the password from a mounted Secret, never in values", () => {
    const config = collectors.config;
    expect(config).toContain('url = "https://telemetry.hub.example.org/tenants/edge/loki/loki/api/v1/push"');
    expect(config).toContain('url = "https://telemetry.hub.example.org/tenants/edge/mimir/api/v1/push"');
    expect(config).toContain('endpoint = "https://telemetry.hub.example.org/tenants/edge/otlp"');
    expect(config.match(/password = local\.file\.hub_password\.content/g)).toHaveLength(3);
    expect(config).toContain('filename  = "/etc/telemetry-hub/password"');
    expect(config).not.toContain("X-Scope-OrgID");
    expect(values.controller.volumes.extra).toEqual([
      {
        name: "telemetry-hub",
        secret: { secretName: "telemetry-hub-credentials", items: [{ key: "password", path: "password" }] },
      },
    ]);
    expect(values.alloy.mounts.extra).toEqual([
      { name: "telemetry-hub", mountPath: "/etc/telemetry-hub", readOnly: true },
    ]);
    // The hub's name resolves to its gateway without the LAN's DNS.
    expect(values.alloy.hostAliases).toEqual([
      { ip: "192.168.20.200", hostnames: ["telemetry.hub.example.org"] },
    ]);
  });

  it("reads only what its pipeline needs: no Secrets, no ConfigMaps", () => {
    const rules = [...values.rbac.rules, ...values.rbac.clusterRules];
    const resources = rules.flatMap((rule: Json) => rule.resources);
    expect(resources.sort()).toEqual(["events", "namespaces", "nodes", "nodes/metrics", "pods", "pods/log"]);
    for (const rule of rules) expect(rule.verbs).toEqual(["get", "list", "watch"]);
  });
});

describe("TelemetryCollectors", () => {
  it("needs the nodes' addresses to write its policies", () => {
    expect(() => synth({ ...spoke, nodeAddresses: undefined })).toThrow(
      /nodeAddresses is required with apiServer/,
    );
  });

  it("writes the stores' tenant header itself when they are in the cluster", () => {
    const { collectors } = synth({
      cluster: "solo",
      destination: {
        kind: "local",
        lokiPushUrl: "http://loki.monitoring.svc:3100/loki/api/v1/push",
        mimirRemoteWriteUrl: "http://mimir-gateway.monitoring.svc/api/v1/push",
        tempoOtlpGrpcEndpoint: "tempo.monitoring.svc:4317",
      },
    });
    expect(collectors.config).toContain('tenant_id = "solo"');
    expect(collectors.config.match(/"X-Scope-OrgID" = "solo"/g)).toHaveLength(2);
    expect(collectors.config).not.toContain("local.file");
  });
});
