import type { Construct } from "constructs";
import type { GatewayRef } from "./gateway-ref";
import { HttpRoute } from "./imports/gateway.networking.k8s.io";

/** What `gatewayRoute` needs: one hostname on one gateway to one Service port. */
export interface GatewayRouteProps {
  /** The route's name in its namespace. */
  readonly name: string;
  /** The route's namespace; it must carry the gateway's attach label (see `attachLabels`). */
  readonly namespace: string;
  /** The gateway whose HTTPS listener the route attaches to. */
  readonly gateway: GatewayRef;
  /** The one hostname the route matches, e.g. `wiki.home.example.org`. */
  readonly hostname: string;
  /** The Service that receives the traffic, in the route's namespace. */
  readonly service: string;
  /** The Service port traffic is sent to. */
  readonly port: number;
}

/** An HTTPRoute from one hostname on a gateway's HTTPS listener to one Service port. */
export function gatewayRoute(scope: Construct, id: string, props: GatewayRouteProps): HttpRoute {
  const { gateway } = props;
  return new HttpRoute(scope, id, {
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      parentRefs: [{ name: gateway.name, namespace: gateway.namespace, sectionName: gateway.httpsListener }],
      hostnames: [props.hostname],
      rules: [{ backendRefs: [{ name: props.service, port: props.port }] }],
    },
  });
}

/** The label a namespace needs for its routes to attach to `gateway`; none without a gateway. */
export function attachLabels(gateway: GatewayRef | undefined): Record<string, string> | undefined {
  return gateway ? { [gateway.attachLabel.key]: gateway.attachLabel.value } : undefined;
}
