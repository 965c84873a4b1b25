import type { Tree } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";

/**
 * Sample values for the template variables and macros Grafana substitutes before a query reaches the
 * datasource: the parsers know PromQL and LogQL, not Grafana's `$name`.
 */
const sampleVariables: Readonly<Record<string, string>> = {
  __rate_interval: "5m",
  __interval: "1m",
  __auto: "1m",
  __range: "6h",
  cluster: "core",
  node: "core-cp1",
  namespace: "monitoring",
};

/** The query with every `$variable` Grafana knows replaced by a sample value; an unknown one throws. */
export function withSampleVariables(query: string): string {
  return query.replace(/\$(\w+)/g, (_, name: string) => {
    const value = sampleVariables[name];
    if (value === undefined) {
      throw new Error(`${query}: no sample value for the template variable $${name}`);
    }
    return value;
  });
}

/** The offsets where a lezer parse tree holds error nodes: empty when the text parsed cleanly. */
export function errorPositions(tree: Tree): number[] {
  const positions: number[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) {
        positions.push(node.from);
      }
    },
  });
  return positions;
}

/** Where a PromQL expression fails to parse, after sample values for Grafana's variables: empty when valid. */
export function promqlErrors(expr: string): number[] {
  return errorPositions(parser.parse(withSampleVariables(expr)));
}

/** The metric names a PromQL expression selects (the identifier of each vector selector). */
export function promqlMetricNames(expr: string): string[] {
  const text = withSampleVariables(expr);
  const names = new Set<string>();
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        names.add(text.slice(node.from, node.to));
      }
    },
  });
  return [...names];
}
