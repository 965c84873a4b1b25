import type { FakeOutputs } from "./pulumi-harness";

/** What the Talos provider would return, shaped as its package schema says; no real key material. */
export const fakeClientConfiguration = {
  caCertificate: "fake-ca",
  clientCertificate: "fake-crt",
  clientKey: "fake-key",
};
const certificate = { cert: "fake-crt", key: "fake-key" };
export const fakeMachineSecrets = {
  certs: {
    etcd: certificate,
    k8s: certificate,
    k8sAggregator: certificate,
    k8sServiceaccount: { key: "fake-key" },
    os: certificate,
  },
  cluster: { id: "fake-id", secret: "fake-secret" },
  secrets: { bootstrapToken: "fake-token", secretboxEncryptionSecret: "fake-secretbox" },
  trustdinfo: { token: "fake-trustd" },
};

export const talosFakes: FakeOutputs = {
  "talos:machine/secrets:Secrets": () => ({
    clientConfiguration: fakeClientConfiguration,
    machineSecrets: fakeMachineSecrets,
  }),
  "talos:machine/configurationApply:ConfigurationApply": () => ({
    machineConfiguration: "version: v1alpha1\n",
    machineConfigurationHash: "sha256:fake",
    resolvedApplyMode: "auto",
  }),
  "talos:cluster/kubeconfig:Kubeconfig": () => ({
    kubeconfigRaw: "apiVersion: v1\nkind: Config\n",
    kubernetesClientConfiguration: { ...fakeClientConfiguration, host: "https://fake:6443" },
  }),
  "talos:machine/getConfiguration:getConfiguration": (inputs) => ({
    id: String(inputs.clusterName),
    // Carries its inputs, so whatever consumes the config changes when the patches change.
    // As the real one, its component images follow kubernetesVersion.
    machineConfiguration: `version: v1alpha1\n# ${String(inputs.machineType)} kubernetes ${String(inputs.kubernetesVersion)} ${JSON.stringify(inputs.configPatches)}\n`,
  }),
  "talos:client/getConfiguration:getConfiguration": (inputs) => ({
    id: String(inputs.clusterName),
    talosConfig: `context: ${String(inputs.clusterName)}\n`,
  }),
  "talos:cluster/getHealth:getHealth": () => ({ id: "healthy" }),
};
