import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, ResourceInvokeRequest } from "@pulumi/pulumi/proto/resource_pb";
import { pins } from "../../pins";
import * as talos from "../../stacks/talos";
import { fakeClientConfiguration, fakeMachineSecrets } from "../support/talos-fakes";

const sorted = (names: readonly string[]): string[] => [...names].sort();
const boundResources: readonly { token: string; secretOutputs: readonly string[] }[] =
  talos.talosBindings.resources;
const boundTokens = {
  resources: talos.talosBindings.resources.map((bound) => bound.token),
  invokes: talos.talosBindings.invokes.map((bound) => bound.token),
};

// Under mocks: what actually reaches the engine.

interface EngineRequest {
  name: string;
  type: string;
  version: string;
  pluginDownloadURL: string;
  additionalSecretOutputs: string[];
  inputs: Record<string, unknown>;
}

interface RecordingMonitor {
  registerResource(request: RegisterResourceRequest, callback: unknown): void;
  invoke(request: ResourceInvokeRequest, callback: unknown): void;
}

/** Records the gRPC requests the SDK sends, which carry what mocks never see: version, plugin URL, secret outputs. */
function recordEngineRequests(registrations: EngineRequest[], invocations: EngineRequest[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as RecordingMonitor;
  const registerResource = monitor.registerResource.bind(monitor);
  const invoke = monitor.invoke.bind(monitor);
  monitor.registerResource = (request, callback) => {
    registrations.push({
      name: request.getName(),
      type: request.getType(),
      version: request.getVersion(),
      pluginDownloadURL: request.getPlugindownloadurl(),
      additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
      inputs: request.getObject()?.toJavaScript() ?? {},
    });
    registerResource(request, callback);
  };
  monitor.invoke = (request, callback) => {
    invocations.push({
      name: "",
      type: request.getTok(),
      version: request.getVersion(),
      pluginDownloadURL: request.getPlugindownloadurl(),
      additionalSecretOutputs: [],
      inputs: request.getArgs()?.toJavaScript() ?? {},
    });
    invoke(request, callback);
  };
}

const schematicId = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const clientConfiguration = fakeClientConfiguration;
const machineSecrets = fakeMachineSecrets;

/** What the provider would add to the inputs, per token. */
const providerOutputs: Record<string, Record<string, unknown>> = {
  "talos:machine/secrets:Secrets": { machineSecrets, clientConfiguration },
  "talos:machine/configurationApply:ConfigurationApply": {
    machineConfiguration: "version: v1alpha1\n",
    machineConfigurationHash: "sha256:0f",
    applyMode: "auto",
    resolvedApplyMode: "auto",
  },
  "talos:cluster/kubeconfig:Kubeconfig": {
    kubeconfigRaw: "apiVersion: v1\nkind: Config\n",
    kubernetesClientConfiguration: { ...clientConfiguration, host: "https://10.20.0.10:6443" },
    certificateRenewalDuration: "720h",
  },
  "talos:machine/getConfiguration:getConfiguration": {
    id: "prod",
    machineConfiguration: "version: v1alpha1\n",
  },
  "talos:client/getConfiguration:getConfiguration": { id: "prod", talosConfig: "context: prod\n" },
  "talos:cluster/getHealth:getHealth": { id: "prod" },
  "talos:imageFactory/getUrls:getUrls": {
    id: schematicId,
    architecture: "amd64",
    urls: { installer: `factory.talos.dev/metal-installer/${schematicId}:${pins.talos.version}` },
  },
};

/** The Talos layer's wiring in miniature: every bound resource and invoke once. */
function buildCluster() {
  const node = "10.20.0.11";
  const secrets = new talos.machine.Secrets("prod", { talosVersion: pins.talos.version });
  const config = talos.machine.getConfigurationOutput({
    clusterName: "prod",
    clusterEndpoint: "https://10.20.0.10:6443",
    machineSecrets: secrets.machineSecrets,
    machineType: "controlplane",
    configPatches: ["cluster:\n  allowSchedulingOnControlPlanes: true\n"],
    talosVersion: pins.talos.version,
    kubernetesVersion: pins.kubernetes,
  });
  const apply = new talos.machine.ConfigurationApply("n1", {
    node,
    clientConfiguration: secrets.clientConfiguration,
    machineConfigurationInput: config.machineConfiguration,
  });
  // A config given as a plain string must still travel as a secret.
  const applyLiteral = new talos.machine.ConfigurationApply("n2", {
    node: "10.20.0.12",
    clientConfiguration: secrets.clientConfiguration,
    machineConfigurationInput: "version: v1alpha1\n",
  });
  const bootstrap = new talos.machine.Bootstrap(
    "prod",
    { node, clientConfiguration: secrets.clientConfiguration },
    { dependsOn: [apply] },
  );
  const kubeconfig = new talos.cluster.Kubeconfig(
    "prod",
    { node, clientConfiguration: secrets.clientConfiguration },
    { dependsOn: [bootstrap] },
  );
  const talosconfig = talos.client.getConfigurationOutput({
    clusterName: "prod",
    clientConfiguration: secrets.clientConfiguration,
    endpoints: [node],
    nodes: [node],
  });
  const health = talos.cluster.getHealthOutput(
    { clientConfiguration: secrets.clientConfiguration, controlPlaneNodes: [node], endpoints: [node] },
    { dependsOn: [kubeconfig] },
  );
  const factory = new talos.Provider("factory", { imageFactoryUrl: "https://factory.example.net" });
  const schematic = new talos.imagefactory.Schematic(
    "metal",
    { schematic: "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/intel-ucode]\n" },
    { provider: factory },
  );
  const urls = talos.imagefactory.getUrlsOutput(
    { talosVersion: pins.talos.version, schematicId: schematic.id, platform: "metal" },
    { provider: factory },
  );
  return {
    secrets,
    config,
    apply,
    applyLiteral,
    bootstrap,
    kubeconfig,
    talosconfig,
    health,
    factory,
    schematic,
    urls,
  };
}

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

describe("the binding under Pulumi mocks", () => {
  const registrations: EngineRequest[] = [];
  const invocations: EngineRequest[] = [];
  const mockedResources: pulumi.runtime.MockResourceArgs[] = [];
  const mockedCalls: pulumi.runtime.MockCallArgs[] = [];
  let cluster: ReturnType<typeof buildCluster>;

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          mockedResources.push(args);
          const id = args.type === "talos:imageFactory/schematic:Schematic" ? schematicId : `${args.name}-id`;
          return { id, state: { ...args.inputs, ...providerOutputs[args.type] } };
        },
        call: (args) => {
          mockedCalls.push(args);
          return { ...args.inputs, ...providerOutputs[args.token] };
        },
      },
      "homelab-platform",
      "prod",
      false,
    );
    recordEngineRequests(registrations, invocations);
    cluster = buildCluster();
    const { config, talosconfig, health, urls, ...resources } = cluster;
    await Promise.all([
      ...Object.values(resources).map((resource) => valueOf(resource.urn)),
      valueOf(config),
      valueOf(talosconfig),
      valueOf(health),
      valueOf(urls),
    ]);
  });

  it("registers every bound resource and calls every bound invoke", () => {
    expect(sorted([...new Set(registrations.map((request) => request.type))])).toEqual(
      sorted(boundTokens.resources),
    );
    expect(sorted([...new Set(invocations.map((request) => request.type))])).toEqual(
      sorted(boundTokens.invokes),
    );
  });

  it("sends the pinned plugin version and download URL with every registration and invoke", () => {
    for (const request of [...registrations, ...invocations]) {
      expect({ token: request.type, version: request.version, url: request.pluginDownloadURL }).toEqual({
        token: request.type,
        version: "0.8.1",
        url: "github://api.github.com/pulumiverse",
      });
    }
  });

  it("asks the engine to keep each resource's secret-bearing outputs secret", () => {
    for (const request of registrations) {
      const bound = boundResources.find((candidate) => candidate.token === request.type);
      expect(sorted(request.additionalSecretOutputs)).toEqual(sorted(bound?.secretOutputs ?? []));
    }
    const kubeconfig = registrations.find(
      (request) => request.type === "talos:cluster/kubeconfig:Kubeconfig",
    );
    expect(kubeconfig?.additionalSecretOutputs).toContain("kubeconfigRaw");
  });

  it.each(["n1", "n2"])("sends the machine config to apply to %s as a secret", (name) => {
    const apply = registrations.find((request) => request.name === name);
    expect(apply?.inputs.machineConfigurationInput).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: "version: v1alpha1\n",
    });
  });

  it("routes a resource and an invoke through an explicit provider", () => {
    const schematic = mockedResources.find((args) => args.name === "metal");
    expect(schematic?.provider).toMatch(/::factory::factory-id$/);
    const urlsCall = mockedCalls.find((args) => args.token === "talos:imageFactory/getUrls:getUrls");
    expect(urlsCall?.provider).toMatch(/::factory::factory-id$/);
  });

  it("returns resource outputs, with the schematic ID as the resource id", async () => {
    expect(await valueOf(cluster.secrets.clientConfiguration)).toEqual(clientConfiguration);
    expect(await valueOf(cluster.apply.machineConfigurationHash)).toBe("sha256:0f");
    expect(await valueOf(cluster.kubeconfig.kubeconfigRaw)).toContain("kind: Config");
    expect(await valueOf(cluster.bootstrap.node)).toBe("10.20.0.11");
    expect(await valueOf(cluster.factory.imageFactoryUrl)).toBe("https://factory.example.net");
    expect(await valueOf(cluster.schematic.id)).toBe(schematicId);
  });

  it("returns invoke results, secret where they hold secrets", async () => {
    expect(await valueOf(cluster.config.machineConfiguration)).toBe("version: v1alpha1\n");
    expect(await pulumi.isSecret(cluster.config.machineConfiguration)).toBe(true);
    expect(await valueOf(cluster.talosconfig.talosConfig)).toBe("context: prod\n");
    expect(await pulumi.isSecret(cluster.talosconfig.talosConfig)).toBe(true);
    expect(await pulumi.isSecret(cluster.health)).toBe(true);
    expect(await valueOf(cluster.urls.urls.installer)).toBe(
      `factory.talos.dev/metal-installer/${schematicId}:${pins.talos.version}`,
    );
    expect(await pulumi.isSecret(cluster.urls)).toBe(false);
  });
});
