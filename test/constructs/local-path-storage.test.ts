import { Testing } from "cdk8s";
import { LocalPathStorage, type LocalPathStorageProps } from "../../constructs/local-path-storage";
import { pins } from "../../pins";
import { validateHelmValues } from "../support/helm-values";
import { validateManifest } from "../support/k8s-schema";

function synth(props?: LocalPathStorageProps) {
  const chart = Testing.chart();
  const storage = new LocalPathStorage(chart, "storage", props);
  return { storage, manifests: Testing.synth(chart) };
}

describe("LocalPathStorage", () => {
  it("synthesizes no objects of its own: the chart it installs makes the StorageClass", () => {
    const { storage, manifests } = synth();
    expect({ manifests, helmCharts: storage.helmCharts }).toMatchSnapshot();
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });

  it("exposes the host mount Talos must give the kubelet, under writable /var", () => {
    expect(synth().storage.hostMount).toEqual({
      source: "/var/mnt/local-path-provisioner",
      destination: "/var/mnt/local-path-provisioner",
      options: ["bind", "rshared", "rw"],
    });
  });

  it("exposes its StorageClass name, which the chart creates as the default class", () => {
    const { storage } = synth();
    expect(storage.storageClassName).toBe("local-path");
    expect(storage.helmCharts[0].values).toMatchObject({
      storageClass: { create: true, name: "local-path", defaultClass: true },
      nodePathMap: [
        { node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/var/mnt/local-path-provisioner"] },
      ],
    });
  });

  it("provisions into the host path and class given", () => {
    const { storage } = synth({
      hostPath: "/var/lib/volumes",
      storageClassName: "node-local",
      isDefault: false,
    });
    expect(storage.storageClassName).toBe("node-local");
    expect(storage.hostMount).toMatchObject({ source: "/var/lib/volumes", destination: "/var/lib/volumes" });
    expect(storage.helmCharts[0].values).toMatchObject({
      storageClass: { name: "node-local", defaultClass: false },
      nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/var/lib/volumes"] }],
    });
  });

  it("installs the pinned chart in a privileged namespace", () => {
    const { storage } = synth({ namespace: "storage" });
    expect(storage.namespace).toEqual({ name: "storage", podSecurity: "privileged" });
    expect(storage.helmCharts).toHaveLength(1);
    expect(storage.helmCharts[0]).toMatchObject({
      repository: "https://charts.containeroo.ch",
      name: "local-path-provisioner",
      version: pins.charts.localPathProvisioner,
      release: "local-path-provisioner",
      namespace: "storage",
    });
    // The chart publishes no values schema: its keys were checked against its values.yaml by hand.
    const { name, version, values } = storage.helmCharts[0];
    expect(validateHelmValues(name, version, values)).toBeUndefined();
  });

  it.each([
    ["/opt/local-path-provisioner"],
    ["var/mnt/volumes"],
    ["/var"],
    ["/var/"],
    ["/var/../etc"],
    ["/var/mnt/"],
  ])("rejects hostPath %s", (hostPath) => {
    expect(() => synth({ hostPath })).toThrow(
      `storage: hostPath "${hostPath}" must be an absolute path under /var (Talos's root filesystem is read-only)`,
    );
  });

  it("rejects a StorageClass name Kubernetes would refuse", () => {
    expect(() => synth({ storageClassName: "Local_Path" })).toThrow(
      'storage: storageClassName "Local_Path" must be a DNS subdomain',
    );
  });
});
