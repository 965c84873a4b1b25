/**
 * Every external version the platform installs, in one place.
 *
 * Each pin carries a `renovate:` comment that the regex manager in `renovate.json` reads, so
 * Renovate opens a pull request when upstream releases. Change a pin here and `npm run render`
 * shows everything it moves.
 */
export const pins = {
  talos: {
    // renovate: datasource=github-releases depName=siderolabs/talos
    version: "v1.13.9",
    // renovate: datasource=github-releases depName=pulumiverse/pulumi-talos extractVersion=^v(?<version>.*)$
    providerVersion: "0.8.1",
  },
  // renovate: datasource=github-releases depName=kubernetes/kubernetes extractVersion=^v(?<version>.*)$
  kubernetes: "1.36.3",

  /**
   * The CNI's chart, installed on the bare cluster before anything else. Unlike `charts`, it has no
   * vendored chart facts (`vendor/charts/`): its values are the ones Talos's Cilium guide prescribes,
   * tested as such, not checked against the chart's templates.
   */
  cni: {
    // The newest Cilium minor whose e2e matrix covers the pinned Kubernetes (1.20: Kubernetes 1.33–1.36).
    // renovate: datasource=helm registryUrl=https://helm.cilium.io depName=cilium
    cilium: "1.20.3",
  },

  /** Upstream Helm charts, by the construct that installs them. */
  charts: {
    // renovate: datasource=helm registryUrl=https://charts.containeroo.ch depName=local-path-provisioner
    localPathProvisioner: "0.0.35",
    // renovate: datasource=helm registryUrl=https://metallb.github.io/metallb depName=metallb
    metallb: "0.16.1",
    // renovate: datasource=helm registryUrl=https://charts.jetstack.io depName=cert-manager
    certManager: "v1.21.1",
    // renovate: datasource=docker depName=docker.io/envoyproxy/gateway-helm
    envoyGateway: "v1.9.0",
    // renovate: datasource=helm registryUrl=https://argoproj.github.io/argo-helm depName=argo-cd
    argocd: "10.1.1",
    // renovate: datasource=helm registryUrl=https://grafana-community.github.io/helm-charts depName=loki
    loki: "18.11.0",
    // renovate: datasource=helm registryUrl=https://grafana-community.github.io/helm-charts depName=grafana
    grafana: "12.11.1",
    // renovate: datasource=helm registryUrl=https://grafana-community.github.io/helm-charts depName=tempo
    tempo: "2.2.4",
    // renovate: datasource=helm registryUrl=https://grafana.github.io/helm-charts depName=mimir-distributed
    mimir: "6.1.0",
    // renovate: datasource=helm registryUrl=https://grafana.github.io/helm-charts depName=alloy
    alloy: "1.8.1",
    // Talos and Kubernetes upgrades as custom resources (TalosUpgrade, KubernetesUpgrade); its CRDs are not
    // in the chart, the construct applies them from vendor/schemas/crds.
    // renovate: datasource=docker depName=ghcr.io/home-operations/charts/tuppr
    tuppr: "0.5.0",
  },

  /** Container images that the project's own constructs run. */
  images: {
    // renovate: datasource=docker depName=docker.io/cloudflare/cloudflared
    cloudflared: "2026.6.1",
    // The local-path provisioner's helper pods, which make and remove volume directories.
    // renovate: datasource=docker depName=docker.io/library/busybox
    busybox: "1.37.0",
    // Envoy Gateway's certgen, run before the gateway-helm chart as its pre-install hook would be: the
    // controller image at the chart's appVersion (test/chart-facts keeps the two in step).
    // renovate: datasource=docker depName=docker.io/envoyproxy/gateway
    envoyGateway: "v1.9.0",
    // cert-manager's webhook readiness gate, `check api` as the chart's startupapicheck hook runs it: the
    // chart's appVersion.
    // renovate: datasource=docker depName=quay.io/jetstack/cert-manager-startupapicheck
    certManagerStartupApiCheck: "v1.21.1",
    // The readiness gates' server-side dry runs: the kubectl image Kubernetes publishes with every release
    // since v1.28 (kubernetes/kubernetes#116672), at the cluster's Kubernetes version.
    // renovate: datasource=docker depName=registry.k8s.io/kubectl
    kubectl: "v1.36.3",
    // Creates Mimir's buckets in its MinIO, as the MinIO subchart's post-install hook would: the `mc`
    // image the pinned mimir-distributed chart bundles (minio.mcImage).
    // renovate: datasource=docker depName=quay.io/minio/mc
    minioClient: "RELEASE.2024-11-21T17-21-54Z",
    // The cluster's object-state metrics (job="kube-state-metrics"), run by `KubeStateMetrics`.
    // renovate: datasource=docker depName=registry.k8s.io/kube-state-metrics/kube-state-metrics
    kubeStateMetrics: "v2.20.0",
    // The nodes' host metrics (job="node-exporter"), run by `NodeExporter` on every node.
    // renovate: datasource=docker depName=quay.io/prometheus/node-exporter
    nodeExporter: "v1.12.1",
  },
} as const;
