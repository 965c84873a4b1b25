import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, valueOf, type Registration } from "../support/pulumi-harness";
import { deployedHubs, runProgram } from "../support/run-program";
import type { OtherStack } from "../support/previous-deployment";

/** How the engine receives a secret value: wrapped with Pulumi's secret signature. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const fakeSecrets = {
  "homelab:cloudflareApiToken": "fake-api-token",
  "homelab:cloudflareDnsToken": "fake-dns-token",
};

type Run = Awaited<ReturnType<typeof runProgram>>;

function secretNamed(run: Run, name: string): Registration | undefined {
  return run.ofType("kubernetes:core/v1:Secret").find((registration) => registration.name === name);
}

/** The plain value of a secret input, as the engine received it. */
function unwrap(value: unknown): Record<string, string> {
  const wrapped = value as { [SECRET_SIG]?: string; value?: Record<string, string> };
  expect(wrapped[SECRET_SIG]).toBeDefined();
  return wrapped.value!;
}

async function stackError(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the program did not stop");
}

describe("the observability hub's stack (core)", () => {
  let run: Run;
  beforeAll(async () => {
    run = await runProgram("core", fakeSecrets, {});
  });

  it("exports its endpoint and tenants for the spokes' stacks", async () => {
    expect(run.program.telemetry).toEqual({
      cluster: "core",
      hostname: "telemetry.core.example.com",
      address: "10.20.10.200",
      tenants: ["core", "dev", "prod"],
    });
  });

  it("generates one password per spoke and exports them only as a secret", async () => {
    expect(await isSecret(run.program.telemetryCredentials)).toBe(true);
    expect(Object.keys(await valueOf(run.program.telemetryCredentials))).toEqual(["dev", "prod"]);
    for (const spoke of ["dev", "prod"]) {
      const password = run
        .ofType("random:index/randomPassword:RandomPassword")
        .find((registration) => registration.name === `core-telemetry-${spoke}`)!;
      expect(password.inputs).toMatchObject({ length: 40, special: false });
    }
  });

  it("checks each spoke against the SHA digest of its own password, in a secret Secret", async () => {
    const credentials = await valueOf(run.program.telemetryCredentials);
    for (const spoke of ["dev", "prod"]) {
      const secret = secretNamed(run, `core-telemetry-${spoke}-htpasswd`)!;
      expect(secret.inputs.metadata).toMatchObject({
        name: `telemetry-${spoke}-htpasswd`,
        namespace: "monitoring",
      });
      const digest = createHash("sha1").update(credentials[spoke]).digest("base64");
      expect(unwrap(secret.inputs.stringData)).toEqual({ ".htpasswd": `${spoke}:{SHA}${digest}` });
    }
  });

  it("gives Grafana the relay password from the secret setting, in a secret Secret", () => {
    const secret = secretNamed(run, "core-grafana-smtp")!;
    expect(unwrap(secret.inputs.stringData)).toEqual({ password: "fake-smtp-password" });
  });
});

describe("a spoke's stack (dev) reads the hub's outputs", () => {
  let core: Run;
  let hubOutputs: OtherStack;
  beforeAll(async () => {
    core = await runProgram("core", fakeSecrets, {});
    // What core's `pulumi up` left, as dev's StackReference reads it.
    hubOutputs = {
      outputs: {
        telemetry: core.program.telemetry,
        telemetryCredentials: await valueOf(core.program.telemetryCredentials),
      },
      secretOutputNames: ["telemetryCredentials"],
    };
  });

  it("ships with the password the hub generated for it, kept secret", async () => {
    const dev = await runProgram("dev", fakeSecrets, {}, undefined, { core: hubOutputs });
    const secret = secretNamed(dev, "dev-telemetry-hub-credentials")!;
    expect(secret.inputs.metadata).toMatchObject({
      name: "telemetry-hub-credentials",
      namespace: "monitoring",
    });
    const credentials = await valueOf(core.program.telemetryCredentials);
    expect(unwrap(secret.inputs.stringData)).toEqual({ password: credentials.dev });
    // Nothing else carries it: not the collector's values, not the outputs.
    const alloy = dev
      .ofType("kubernetes:helm.sh/v4:Chart")
      .find((registration) => registration.name === "dev-alloy")!;
    expect(JSON.stringify(alloy.inputs)).not.toContain(credentials.dev);
    expect(JSON.stringify(alloy.inputs.values)).toContain("https://telemetry.core.example.com/tenants/dev");
    expect(dev.program.telemetry).toBeUndefined();
    expect(await valueOf(dev.program.telemetryCredentials)).toEqual({});
  });

  it("runs only collectors: no store, no Grafana, no object-store Secret", async () => {
    const dev = await runProgram("dev", fakeSecrets, {}, undefined, { core: hubOutputs });
    const charts = dev.ofType("kubernetes:helm.sh/v4:Chart").map((registration) => registration.name);
    expect(charts).toContain("dev-alloy");
    for (const store of ["dev-loki", "dev-mimir", "dev-tempo", "dev-grafana"])
      expect(charts).not.toContain(store);
    expect(secretNamed(dev, "dev-mimir-object-store")).toBeUndefined();
  });
});

describe("a spoke before its hub stops with the order to deploy in", () => {
  const order =
    /deploy the hub first — list dev in platform\.lgtm\.spokes of Pulumi\.core\.yaml, run `pulumi up -s core`, then this stack/;
  const at = /^Pulumi\.dev\.yaml: config\.homelab:cluster\.platform\.lgtm\.hub\.stack: core: /;

  // A stack that was never created fails Pulumi's own read of the reference ("unknown stack"), before the
  // program can say more; a created stack without the hub's outputs gets the order.
  it("when the hub's stack has no hub deployed yet", async () => {
    const error = await stackError(
      runProgram("dev", fakeSecrets, {}, undefined, { core: { outputs: {}, secretOutputNames: [] } }),
    );
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(at);
    expect(error.message).toMatch(/no observability hub deployed \(no telemetry output\)/);
    expect(error.message).toMatch(order);
  });

  it("when the hub does not list the spoke", async () => {
    const hub = deployedHubs().core;
    const withoutDev = {
      ...hub,
      outputs: {
        ...hub.outputs,
        telemetry: { ...(hub.outputs.telemetry as object), tenants: ["core", "prod"] },
      },
    };
    const error = await stackError(runProgram("dev", fakeSecrets, {}, undefined, { core: withoutDev }));
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(at);
    expect(error.message).toMatch(/the hub stores core, prod, not dev/);
    expect(error.message).toMatch(order);
  });
});

describe("a spoke that names its hub by address", () => {
  const byAddress = (inventory: Record<string, unknown>) => {
    const platform = inventory.platform as Record<string, unknown>;
    return {
      ...inventory,
      platform: {
        ...platform,
        lgtm: { role: "spoke", hub: { hostname: "telemetry.core.example.com", address: "10.20.10.200" } },
      },
    };
  };

  it("takes its password from the secret setting", async () => {
    const dev = await runProgram(
      "dev",
      { ...fakeSecrets, "homelab:telemetryHubPassword": "fake-hub-password" },
      {},
      byAddress,
      {},
    );
    const secret = secretNamed(dev, "dev-telemetry-hub-credentials")!;
    expect(unwrap(secret.inputs.stringData)).toEqual({ password: "fake-hub-password" });
  });

  it("stops without it, naming the command", async () => {
    const error = await stackError(runProgram("dev", fakeSecrets, {}, byAddress, {}));
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(
      /homelab:telemetryHubPassword: is required — run `pulumi config set --secret homelab:telemetryHubPassword -s dev`/,
    );
  });
});

describe("a cluster that ran the hub's stores does not lose them silently", () => {
  const deployedAs = (observability?: string) => ({
    apiEndpoint: "https://10.20.30.10:6443",
    deployed: {
      cni: "cilium",
      versions: { talosVersion: "v1.13.9", kubernetesVersion: "1.36.3" },
      upgrades: true,
      nodes: ["ed-n1", "ed-n2", "ed-n3"],
      ...(observability ? { observability } : {}),
    },
  });
  const dropping = (inventory: Record<string, unknown>) => {
    const platform = inventory.platform as { lgtm: Record<string, unknown> };
    return { ...inventory, platform: { ...platform, lgtm: { ...platform.lgtm, dropStores: true } } };
  };

  it("stops a hub turning spoke, naming the key and the way on", async () => {
    const error = await stackError(runProgram("prod", fakeSecrets, deployedAs("hub")));
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(
      /^Pulumi\.prod\.yaml: config\.homelab:cluster\.platform\.lgtm\.role: this cluster runs the observability hub's stores — as a spoke, `pulumi up` deletes Loki, Mimir, Tempo and Grafana, with Grafana's and MinIO's volumes/,
    );
    expect(error.message).toMatch(
      /set platform\.lgtm\.dropStores: true for this run \(and remove it after\), or keep it the hub$/,
    );
  });

  it("stops a cluster deployed before the record, whose default was the full stack", async () => {
    const error = await stackError(runProgram("prod", fakeSecrets, deployedAs()));
    expect(error.message).toMatch(/deployed by an older homelab-platform, which ran the LGTM stores/);
  });

  it("goes ahead with the operator's word, and records the spoke", async () => {
    const run = await runProgram("prod", fakeSecrets, deployedAs("hub"), dropping);
    expect(await valueOf(run.program.deployed)).toMatchObject({ observability: "spoke" });
  });

  it("lets a spoke stay a spoke", async () => {
    const prod = await runProgram("prod", fakeSecrets, deployedAs("spoke"));
    expect(await valueOf(prod.program.deployed)).toMatchObject({ observability: "spoke" });
  });
});
