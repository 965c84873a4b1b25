import { parser } from "@grafana/lezer-logql";
import { errorPositions, withSampleVariables } from "./promql";

/** Where a LogQL query fails to parse, after sample values for Grafana's variables: empty when valid. */
export function logqlErrors(query: string): number[] {
  return errorPositions(parser.parse(withSampleVariables(query)));
}
