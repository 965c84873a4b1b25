/**
 * The in-cluster telemetry collector, as the constructs that write NetworkPolicies need to know it:
 * which pods scrape metrics, and where workloads send OTLP.
 */
export interface TelemetryCollectorRef {
  /** The namespace the collector's pods run in. */
  readonly namespace: string;
  /** Labels that select exactly the collector's pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The TCP ports its pods receive OTLP on (gRPC and HTTP). */
  readonly otlpPorts: readonly number[];
}
