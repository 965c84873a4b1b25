import type { Construct } from "constructs";
import type { GatewayRef } from "./gateway-ref";
import { HttpRoute } from "./imports/gateway.networking.k8s.io";

export interface GatewayRouteProps {
  /** The route's name in its namespace. */
  readonly name: string;
  readonly namespace: string;
  readonly gateway: GatewayRef;
  readonly hostname: string;
  /** The Service that receives the traffic, in the route's namespace. */
  readonly service: string;
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
