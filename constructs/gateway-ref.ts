/**
 * A Gateway that routes may attach to, as the constructs that create routes need to know it:
 * where it is, which namespaces it admits, and which pods carry its traffic (for NetworkPolicies).
 */
export interface GatewayRef {
  /** The Gateway object's name, e.g. `internal` or `public`. */
  readonly name: string;
  /** The Gateway object's namespace, which routes name in their `parentRefs`. */
  readonly namespace: string;
  /** A namespace must carry this label (key = value) for its routes to attach to this gateway. */
  readonly attachLabel: { readonly key: string; readonly value: string };
  /** The namespace the gateway's Envoy proxy pods run in. */
  readonly proxyNamespace: string;
  /** Labels that select exactly this gateway's Envoy proxy pods. */
  readonly proxyPodLabels: Readonly<Record<string, string>>;
  /** The LAN address the gateway's Service answers on. */
  readonly address: string;
  /** The HTTPS listener routes attach to (`sectionName`). */
  readonly httpsListener: string;
  /**
   * The container port the proxy pods bind the HTTPS listener on: what NetworkPolicies see. Envoy
   * Gateway adds 10000 to listener ports below 1024, so 443 becomes 10443.
   * @default 10443
   */
  readonly httpsPodPort?: number;
}
