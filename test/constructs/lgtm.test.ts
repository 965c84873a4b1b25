import { Testing } from "cdk8s";
import { Lgtm, type LgtmProps } from "../../constructs/lgtm";
import { pins } from "../../pins";
import { validateHelmValues } from "../support/helm-values";
import { testGateway } from "../support/gateway-refs";
import { validateManifest } from "../support/k8s-schema";

// Kubernetes manifests and Helm values are untyped JSON; the assertions below navigate them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const internalGateway = testGateway("internal", "192.168.1.240");

const baseProps: LgtmProps = {
  cluster: "home",
  grafanaHostname: "grafana.home.example.org",
  gateway: internalGateway,
};

function synth(props: Partial<LgtmProps> = {}) {
  const chart = Testing.chart();
  const lgtm = new Lgtm(chart, "lgtm", { ...baseProps, ...props });
  const manifests: Json[] = Testing.synth(chart);
  const values = (name: string): Json => {
    const helmChart = lgtm.helmCharts.find((candidate) => candidate.name === name);
    if (!helmChart) throw new Error(`no chart ${name}`);
    return helmChart.values;
  };
  return { lgtm, manifests, values };
}

describe("Lgtm", () => {
  const { lgtm, manifests, values } = synth();

  it("synthesizes the same manifests as before", () => {
    expect(manifests).toMatchSnapshot();
  });

  it("installs the same charts with the same values as before", () => {
    expect(lgtm.helmCharts).toMatchSnapshot();
  });

  it("installs the pinned charts in order: stores, then Grafana, then the collector", () => {
    expect(
      lgtm.helmCharts.map(({ repository, name, version, release, namespace }) => ({
        repository,
        name,
        version,
        release,
        namespace,
      })),
    ).toEqual([
      {
        repository: "https://grafana-community.github.io/helm-charts",
        name: "loki",
        version: pins.charts.loki,
        release: "loki",
        namespace: "monitoring",
      },
      {
        repository: "https://grafana-community.github.io/helm-charts",
        name: "tempo",
        version: pins.charts.tempo,
        release: "tempo",
        namespace: "monitoring",
      },
      {
        repository: "https://grafana.github.io/helm-charts",
        name: "mimir-distributed",
        version: pins.charts.mimir,
        release: "mimir",
        namespace: "monitoring",
      },
      {
        repository: "https://grafana-community.github.io/helm-charts",
        name: "grafana",
        version: pins.charts.grafana,
        release: "grafana",
        namespace: "monitoring",
      },
      {
        repository: "https://grafana.github.io/helm-charts",
        name: "alloy",
        version: pins.charts.alloy,
        release: "alloy",
        namespace: "monitoring",
      },
    ]);
  });

  it("produces only objects that pass their upstream schema", () => {
    expect(manifests.filter((manifest) => manifest.kind === "HTTPRoute")).toHaveLength(1);
    expect(manifests.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("gives Loki values that pass the chart's values schema", () => {
    const problems = validateHelmValues("loki", pins.charts.loki, values("loki"));
    expect(problems).toBeDefined();
    expect(problems).toEqual([]);
  });

  it("asks for a baseline namespace", () => {
    expect(lgtm.namespace).toEqual({
      name: "monitoring",
      podSecurity: "baseline",
      // Grafana's route attaches to the gateway only from a namespace carrying its label.
      labels: { "gateway.homelab.dev/internal": "true" },
    });
  });

  describe("Grafana datasources", () => {
    const datasources: Json[] = values("grafana").datasources["datasources.yaml"].datasources;
    const urlOf = (type: string) => datasources.find((datasource) => datasource.type === type)?.url;

    it("point at the in-cluster Services of the releases", () => {
      expect(urlOf("loki")).toBe("http://loki.monitoring.svc:3100");
      expect(urlOf("tempo")).toBe("http://tempo.monitoring.svc:3200");
      expect(urlOf("prometheus")).toBe("http://mimir-gateway.monitoring.svc/prometheus");
      expect(datasources).toHaveLength(3);
    });

    it("are the URLs the construct exposes", () => {
      expect(urlOf("loki")).toBe(lgtm.endpoints.lokiUrl);
      expect(urlOf("tempo")).toBe(lgtm.endpoints.tempoUrl);
      expect(urlOf("prometheus")).toBe(lgtm.endpoints.mimirPrometheusUrl);
    });

    it("match the Service names the charts will create", () => {
      expect(values("loki").fullnameOverride).toBe("loki");
      expect(values("tempo").fullnameOverride).toBe("tempo");
      expect(values("mimir-distributed").fullnameOverride).toBe("mimir");
      // mimir-distributed 6.x: `gateway.enabled` (on by default) renders the `<fullname>-gateway` Service.
      expect(values("mimir-distributed").gateway.enabled).toBe(true);
      expect(values("grafana").fullnameOverride).toBe("grafana");
    });
  });

  describe("Mimir", () => {
    const mimir = values("mimir-distributed");

    it("runs without the bundled Kafka, on the classic write path", () => {
      expect(mimir.kafka.enabled).toBe(false);
      expect(mimir.mimir.structuredConfig.ingest_storage.enabled).toBe(false);
      expect(mimir.mimir.structuredConfig.ingester.push_grpc_method_enabled).not.toBe(false);
    });

    it("keeps one replica of the stateful components, outside zones", () => {
      for (const component of ["ingester", "store_gateway"]) {
        expect(mimir[component].replicas).toBe(1);
        expect(mimir[component].zoneAwareReplication.enabled).toBe(false);
      }
      expect(mimir.mimir.structuredConfig.ingester.ring.replication_factor).toBe(1);
      expect(mimir.mimir.structuredConfig.store_gateway.sharding_ring.replication_factor).toBe(1);
    });
  });

  describe("Tempo's metrics generator", () => {
    const tempo = values("tempo").tempo;

    it("runs the service-graph and span-metrics processors for the single tenant", () => {
      expect(tempo.metricsGenerator.enabled).toBe(true);
      expect(tempo.overrides.defaults.metrics_generator.processors).toEqual([
        "service-graphs",
        "span-metrics",
      ]);
    });

    it("remote-writes to Mimir's push API, where Grafana's Tempo datasource reads the service map", () => {
      expect(tempo.metricsGenerator.remoteWriteUrl).toBe(lgtm.endpoints.mimirRemoteWriteUrl);
      const datasources = values("grafana").datasources["datasources.yaml"].datasources as Json[];
      const tempoSource = datasources.find((source) => source.type === "tempo");
      const mimirSource = datasources.find((source) => source.type === "prometheus");
      expect(tempoSource.jsonData.serviceMap.datasourceUid).toBe(mimirSource.uid);
      expect(tempoSource.jsonData.tracesToMetrics.datasourceUid).toBe(mimirSource.uid);
    });

    it("keeps its WAL on the persistent volume", () => {
      expect(tempo.metricsGenerator.storage.path).toMatch(/^\/var\/tempo\//);
      expect(tempo.metricsGenerator.traces_storage.path).toMatch(/^\/var\/tempo\//);
    });
  });

  describe("object-store credentials", () => {
    const mimir = values("mimir-distributed");

    it("come from a Secret the caller creates, not from the chart's defaults", () => {
      expect(lgtm.objectStoreSecret).toEqual({
        name: "mimir-object-store",
        userKey: "rootUser",
        passwordKey: "rootPassword",
      });
      expect(mimir.minio).toMatchObject({
        existingSecret: "mimir-object-store",
        rootUser: "",
        rootPassword: "",
      });
    });

    it("reach every S3 client of Mimir as variables expanded from that Secret", () => {
      const env = Object.fromEntries(
        (mimir.global.extraEnv as Json[]).map((variable) => [variable.name, variable.valueFrom.secretKeyRef]),
      );
      expect(env).toEqual({
        MIMIR_S3_ACCESS_KEY_ID: { name: "mimir-object-store", key: "rootUser" },
        MIMIR_S3_SECRET_ACCESS_KEY: { name: "mimir-object-store", key: "rootPassword" },
      });
      for (const block of ["blocks_storage", "alertmanager_storage", "ruler_storage"]) {
        expect(mimir.mimir.structuredConfig[block].s3).toEqual({
          access_key_id: "${MIMIR_S3_ACCESS_KEY_ID}",
          secret_access_key: "${MIMIR_S3_SECRET_ACCESS_KEY}",
        });
      }
    });

    it("follow the objectStoreSecretName prop", () => {
      const custom = synth({ objectStoreSecretName: "s3-root" });
      expect(custom.lgtm.objectStoreSecret.name).toBe("s3-root");
      expect(custom.values("mimir-distributed").minio.existingSecret).toBe("s3-root");
    });

    it("appear nowhere in the values", () => {
      const text = JSON.stringify(lgtm.helmCharts);
      expect(text).not.toContain("supersecret");
      expect(text).not.toContain("grafana-mimir");
    });
  });

  describe("retention and volumes", () => {
    it("default to 14 days and the documented sizes on local-path", () => {
      expect(values("loki").loki.limits_config.retention_period).toBe("336h");
      expect(values("loki").loki.compactor.retention_enabled).toBe(true);
      expect(values("tempo").tempo.retention).toBe("336h");
      expect(
        values("mimir-distributed").mimir.structuredConfig.limits.compactor_blocks_retention_period,
      ).toBe("336h");
      expect(values("loki").singleBinary.persistence).toMatchObject({
        size: "20Gi",
        storageClass: "local-path",
      });
      expect(values("tempo").persistence).toMatchObject({ size: "10Gi", storageClassName: "local-path" });
      expect(values("mimir-distributed").minio.persistence).toEqual({
        size: "20Gi",
        storageClass: "local-path",
      });
      expect(values("grafana").persistence).toMatchObject({ size: "5Gi", storageClassName: "local-path" });
    });

    it("come from the props", () => {
      const custom = synth({
        retentionDays: 30,
        lokiStorage: "50Gi",
        tempoStorage: "15Gi",
        mimirStorage: "100Gi",
        grafanaStorage: "2Gi",
        storageClassName: "ceph-block",
      }).values;
      expect(custom("loki").loki.limits_config.retention_period).toBe("720h");
      expect(custom("tempo").tempo.retention).toBe("720h");
      expect(
        custom("mimir-distributed").mimir.structuredConfig.limits.compactor_blocks_retention_period,
      ).toBe("720h");
      expect(custom("loki").singleBinary.persistence).toMatchObject({
        size: "50Gi",
        storageClass: "ceph-block",
      });
      expect(custom("tempo").persistence).toMatchObject({ size: "15Gi", storageClassName: "ceph-block" });
      expect(custom("mimir-distributed").minio.persistence).toEqual({
        size: "100Gi",
        storageClass: "ceph-block",
      });
      expect(custom("mimir-distributed").ingester.persistentVolume.storageClass).toBe("ceph-block");
      expect(custom("grafana").persistence).toMatchObject({ size: "2Gi", storageClassName: "ceph-block" });
    });
  });

  describe("Alloy", () => {
    const alloy = values("alloy");
    const config: string = alloy.alloy.configMap.content;

    it("ships pod logs and events to Loki's push API, as the cluster's tenant", () => {
      expect(config).toContain('loki.source.kubernetes "pods"');
      expect(config).toContain('loki.source.kubernetes_events "events"');
      expect(config).toMatch(
        /loki\.write "default" \{\n {2}endpoint \{\n {4}url {7}= "http:\/\/loki\.monitoring\.svc:3100\/loki\/api\/v1\/push"\n {4}tenant_id = "home"\n {2}\}/,
      );
    });

    it("remote-writes scraped metrics to Mimir, as the cluster's tenant", () => {
      for (const job of ["pods", "kube_state_metrics", "kubelet", "cadvisor", "node_exporter"]) {
        expect(config).toContain(`prometheus.scrape "${job}"`);
      }
      expect(config).toContain('url     = "http://mimir-gateway.monitoring.svc/api/v1/push"');
      expect(config).toContain('"X-Scope-OrgID" = "home"');
    });

    it("labels everything with the cluster's name", () => {
      expect(config.match(/external_labels = \{\n {4}cluster = "home",\n {2}\}/g)).toHaveLength(2);
      expect(config).toContain('set(attributes["k8s.cluster.name"], "home")');
    });

    it("receives OTLP and exports traces to Tempo", () => {
      expect(config).toContain('otelcol.receiver.otlp "default"');
      expect(config).toContain('endpoint = "tempo.monitoring.svc:4317"');
      expect(alloy.alloy.extraPorts.map((port: Json) => port.port)).toEqual([4317, 4318]);
      expect(lgtm.endpoints.otlpGrpcEndpoint).toBe("alloy.monitoring.svc:4317");
    });

    it("needs no hostPath mount", () => {
      expect(alloy.alloy.mounts).toBeUndefined();
    });
  });

  it("routes the Grafana hostname through the internal gateway to the grafana Service", () => {
    const route = manifests.find((manifest) => manifest.kind === "HTTPRoute");
    expect(route.metadata).toEqual({ name: "grafana", namespace: "monitoring" });
    expect(route.spec.parentRefs).toEqual([
      { name: "internal", namespace: "envoy-gateway-system", sectionName: "https" },
    ]);
    expect(route.spec.hostnames).toEqual(["grafana.home.example.org"]);
    expect(route.spec.rules).toEqual([{ backendRefs: [{ name: "grafana", port: 80 }] }]);
    expect(values("grafana")["grafana.ini"].server.root_url).toBe("https://grafana.home.example.org");
  });

  it("derives every URL from the namespace", () => {
    const { lgtm: custom } = synth({ namespace: "observability" });
    expect(custom.endpoints.lokiUrl).toBe("http://loki.observability.svc:3100");
    expect(custom.helmCharts.every((helmChart) => helmChart.namespace === "observability")).toBe(true);
  });

  it.each([
    [{ retentionDays: 0 }, "Lgtm: retentionDays must be a whole number of at least 1, got 0"],
    [{ lokiStorage: "20GB" }, `Lgtm: lokiStorage must be a size in Mi, Gi or Ti such as "20Gi", got "20GB"`],
    [{ mimirStorage: "" }, `Lgtm: mimirStorage must be a size in Mi, Gi or Ti such as "20Gi", got ""`],
    [
      { storageClassName: "Local_Path" },
      `Lgtm: storageClassName must be a StorageClass name (lowercase DNS subdomain), got "Local_Path"`,
    ],
    [
      { objectStoreSecretName: "Mimir_S3" },
      `Lgtm: objectStoreSecretName must be a Secret name (lowercase DNS subdomain), got "Mimir_S3"`,
    ],
    [
      { grafanaHostname: "grafana" },
      `Lgtm: grafanaHostname must be a lowercase fully qualified name such as "grafana.home.example.org", got "grafana"`,
    ],
  ])("rejects %j with a message naming the prop", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe("Lgtm as a hub with spokes", () => {
  const chart = Testing.chart();
  const hub = new Lgtm(chart, "lgtm", {
    ...baseProps,
    spokes: [
      { name: "dev", htpasswdSecret: "telemetry-dev-htpasswd" },
      { name: "prod", htpasswdSecret: "telemetry-prod-htpasswd" },
    ],
    telemetryHostname: "telemetry.home.example.org",
    alerts: {
      email: ["ops@example.org"],
      smtp: { host: "smtp.example.org:587", from: "grafana@example.org" },
    },
  });
  const manifests: Json[] = Testing.synth(chart);
  const grafana = hub.helmCharts.find((helmChart) => helmChart.name === "grafana")!.values as Json;

  it("stores every cluster as its own tenant, the hub first", () => {
    expect(hub.tenants).toEqual(["home", "dev", "prod"]);
  });

  it("lets each spoke push only its three paths, as its own tenant, behind its own basic auth", () => {
    const route = manifests.find(
      (manifest) => manifest.kind === "HTTPRoute" && manifest.metadata.name === "telemetry-dev",
    );
    expect(route.spec.hostnames).toEqual(["telemetry.home.example.org"]);
    expect(
      route.spec.rules.map((rule: Json) => [
        rule.matches[0].method,
        rule.matches[0].path.value,
        rule.matches[0].path.type,
        rule.filters.find((filter: Json) => filter.type === "URLRewrite").urlRewrite.path,
        rule.filters.find((filter: Json) => filter.type === "RequestHeaderModifier").requestHeaderModifier
          .set,
        rule.backendRefs,
      ]),
    ).toEqual([
      [
        "POST",
        "/tenants/dev/loki/loki/api/v1/push",
        "Exact",
        { type: "ReplaceFullPath", replaceFullPath: "/loki/api/v1/push" },
        [{ name: "X-Scope-OrgID", value: "dev" }],
        [{ name: "loki", port: 3100 }],
      ],
      [
        "POST",
        "/tenants/dev/mimir/api/v1/push",
        "Exact",
        { type: "ReplaceFullPath", replaceFullPath: "/api/v1/push" },
        [{ name: "X-Scope-OrgID", value: "dev" }],
        [{ name: "mimir-gateway", port: 80 }],
      ],
      [
        "POST",
        "/tenants/dev/otlp/v1/traces",
        "Exact",
        { type: "ReplaceFullPath", replaceFullPath: "/v1/traces" },
        [{ name: "X-Scope-OrgID", value: "dev" }],
        [{ name: "tempo", port: 4318 }],
      ],
    ]);
    const policy = manifests.find(
      (manifest) => manifest.kind === "SecurityPolicy" && manifest.metadata.name === "telemetry-dev",
    );
    expect(policy.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "telemetry-dev" }],
      basicAuth: { users: { name: "telemetry-dev-htpasswd" } },
    });
    expect(manifests.flatMap((manifest) => validateManifest(manifest))).toEqual([]);
  });

  it("has no route for the hub's own tenant: its collector writes inside the cluster", () => {
    expect(Object.keys(hub.ingestRoutes)).toEqual(["dev", "prod"]);
  });

  it("lets Grafana read every tenant at once", () => {
    for (const datasource of grafana.datasources["datasources.yaml"].datasources) {
      expect(datasource.jsonData.httpHeaderName1).toBe("X-Scope-OrgID");
      expect(datasource.secureJsonData.httpHeaderValue1).toBe("home|dev|prod");
    }
    const mimir = hub.helmCharts.find((helmChart) => helmChart.name === "mimir-distributed")!.values as Json;
    expect(mimir.mimir.structuredConfig.tenant_federation).toEqual({ enabled: true });
    const loki = hub.helmCharts.find((helmChart) => helmChart.name === "loki")!.values as Json;
    expect(loki.loki.auth_enabled).toBe(true);
    expect(loki.loki.querier).toEqual({ multi_tenant_queries_enabled: true });
    const tempo = hub.helmCharts.find((helmChart) => helmChart.name === "tempo")!.values as Json;
    expect(tempo.tempo.multitenancyEnabled).toBe(true);
  });

  it("provisions the dashboards as files of one folder, nothing downloaded", () => {
    const provider = grafana.dashboardProviders["dashboardproviders.yaml"].providers[0];
    expect(provider.options.path).toBe(`/var/lib/grafana/dashboards/${provider.name}`);
    const files = grafana.dashboards[provider.name];
    expect(Object.keys(files).sort()).toEqual(Object.keys(hub.dashboards).sort());
    for (const [stem, file] of Object.entries(files as Record<string, { json: string }>)) {
      expect(JSON.parse(file.json)).toEqual(hub.dashboards[stem]);
      expect(Object.keys(file)).toEqual(["json"]);
    }
  });

  it("escapes Grafana's templates in the alerting files from the chart's tpl, and only them", () => {
    const escaped = JSON.stringify(grafana.alerting);
    // Helm's tpl turns each {{`{{`}} back into {{; any other {{ would be a Helm action.
    expect(escaped.replaceAll("{{`{{`}}", "")).not.toContain("{{");
    expect(JSON.parse(escaped.replaceAll("{{`{{`}}", "{{"))).toEqual(hub.alerting);
    expect(JSON.stringify(hub.alerting)).toContain("{{ $labels.cluster }}");
    expect(Object.keys(grafana.alerting).sort()).toEqual([
      "contactpoints.yaml",
      "policies.yaml",
      "rules.yaml",
    ]);
  });

  it("asks nothing of grafana.com: no plugin installs, update checks or usage reports", () => {
    expect(grafana["grafana.ini"].plugins).toEqual({ preinstall_disabled: true });
    expect(grafana["grafana.ini"].analytics).toEqual({
      reporting_enabled: false,
      check_for_updates: false,
      check_for_plugin_updates: false,
    });
  });

  it("sends alert e-mails through the relay, with no password when it has no user", () => {
    expect(grafana["grafana.ini"].smtp).toEqual({
      enabled: true,
      host: "smtp.example.org:587",
      from_address: "grafana@example.org",
    });
    expect(grafana.envValueFrom).toBeUndefined();
  });
});
