import { htpasswdLine } from "../../stacks/platform";
import { AccessEvaluator } from "../support/access-evaluator";
import { renderedClusters } from "./rendered-clusters";

/**
 * The hub's ingest, asked of its rendered routes and SecurityPolicies with Envoy's basic-auth rules: each
 * spoke's route admits its own cluster's password and nothing else — no credentials, a wrong password,
 * another spoke's credentials. The htpasswd lines are made by the program's own function from stand-in
 * passwords, as `pulumi up` makes them from the generated ones.
 */
const hubs = renderedClusters().filter(
  (cluster) => cluster.charts.telemetry?.role === "hub" && cluster.charts.telemetry.tenants.length > 1,
);
const now = Date.UTC(2026, 0, 15) / 1000;
const passwordOf = (tenant: string) => `stand-in-password-of-${tenant}`;
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

it("covers the example hub", () => {
  expect(hubs.map((hub) => hub.inventory.name)).toContain("core");
});

describe.each(hubs.map((hub) => [hub.source, hub] as const))("%s", (_, hub) => {
  const telemetry = hub.charts.telemetry?.role === "hub" ? hub.charts.telemetry : undefined;
  const spokes = telemetry!.tenants.slice(1);
  const evaluator = new AccessEvaluator(
    hub.objects,
    Object.fromEntries(
      spokes.map((spoke) => [
        `monitoring/telemetry-${spoke}-htpasswd`,
        htpasswdLine(spoke, passwordOf(spoke)),
      ]),
    ),
  );

  describe.each(spokes)("spoke %s", (spoke) => {
    const route = { namespace: "monitoring", name: `telemetry-${spoke}` };

    it("admits its own credentials", () => {
      expect(evaluator.evaluate({ route, now, headers: basic(spoke, passwordOf(spoke)) })).toMatchObject({
        allowed: true,
      });
    });

    it("refuses no credentials, a wrong password and every other spoke's credentials", () => {
      const refused = [
        {},
        basic(spoke, "not-the-password"),
        ...spokes.filter((other) => other !== spoke).map((other) => basic(other, passwordOf(other))),
        // The hub's own tenant has no password: its collector writes inside the cluster.
        basic(hub.inventory.name, passwordOf(hub.inventory.name)),
      ];
      for (const headers of refused) {
        expect(evaluator.evaluate({ route, now, headers })).toMatchObject({ allowed: false, status: 401 });
      }
    });
  });
});
