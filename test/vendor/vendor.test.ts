import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pins } from "../../pins";
import {
  type ChartFacts,
  type Manifest,
  VendorError,
  checkVendor,
  extensionsFromText,
  extensionsJson,
  localSource,
  readManifest,
  refresh,
  stripTemplateLines,
  vendorDirectory,
} from "../../scripts/vendor";
import { crdDirectory } from "../support/crd-catalog";
import { helmValuesSchemaDirectory } from "../support/helm-values";

const root = path.resolve(__dirname, "../..");
const input = path.join(root, "test/fixtures/vendor-input");

const fixturePins = { talos: { version: "v9.9.9" }, charts: { demo: "1.2.3" } };
const fixtureManifest: Manifest = {
  extensions: {
    version: "{pins.talos.version}",
    dest: "talos/extensions.json",
    local: "reference/data/talos-{version}-extensions.txt",
    upstream: { repo: "siderolabs/extensions", ref: "{version}", path: "README.md" },
  },
  files: [
    {
      version: "v{pins.charts.demo}",
      dest: "schemas/crds/demo-{version}/",
      local: "schemas/crds/demo-{version}/",
      upstream: { repo: "example/demo", ref: "{version}", path: "config/crd/" },
      files: ["demo.example.com_widgets.yaml"],
    },
    {
      version: "{pins.talos.version}",
      dest: "schemas/talos/talos-{version}-config.schema.json",
      local: "schemas/talos/talos-{version}-config.schema.json",
      upstream: { repo: "siderolabs/talos", ref: "{version}", path: "website/content/{minor}/schemas/config.schema.json" },
    },
  ],
  charts: [{ key: "demo", name: "demo", version: "{pins.charts.demo}", repository: "https://charts.example.com" }],
};

function freshDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vendor-test-"));
}

function filesUnder(directory: string, under = ""): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? filesUnder(path.join(directory, entry.name), `${under}${entry.name}/`)
        : [`${under}${entry.name}`],
    )
    .sort();
}

describe("npm run vendor -- --from <dir>, on the fixture input", () => {
  const out = freshDirectory();
  fs.mkdirSync(path.join(out, "charts"), { recursive: true });
  fs.writeFileSync(path.join(out, "charts/demo-1.2.2.json"), "{}\n");
  fs.writeFileSync(path.join(out, "README.md"), "hand-kept\n");
  const written = refresh(localSource(input), out, fixtureManifest, fixturePins);
  const facts = JSON.parse(fs.readFileSync(path.join(out, "charts/demo-1.2.3.json"), "utf8")) as ChartFacts;
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it("writes exactly the files the manifest names at the pinned versions, drops stale ones and keeps README.md", () => {
    const expected = [
      "charts/demo-1.2.3.json",
      "schemas/crds/demo-v1.2.3/demo.example.com_widgets.yaml",
      "schemas/talos/talos-v9.9.9-config.schema.json",
      "talos/extensions.json",
    ];
    expect(written).toEqual(expected);
    expect(filesUnder(out)).toEqual(["README.md", ...expected]);
    expect(fs.readFileSync(path.join(out, "README.md"), "utf8")).toBe("hand-kept\n");
  });

  it("copies schema files byte for byte", () => {
    for (const file of [
      "schemas/crds/demo-v1.2.3/demo.example.com_widgets.yaml",
      "schemas/talos/talos-v9.9.9-config.schema.json",
    ]) {
      expect(fs.readFileSync(path.join(out, file))).toEqual(fs.readFileSync(path.join(input, file)));
    }
  });

  it("turns the extensions list into JSON sorted by name", () => {
    expect(JSON.parse(fs.readFileSync(path.join(out, "talos/extensions.json"), "utf8"))).toEqual({
      talosVersion: "v9.9.9",
      source: "siderolabs/extensions at tag v9.9.9, README.md table",
      extensions: [
        { name: "siderolabs/amd-ucode", tier: "core", version: "20260810" },
        { name: "siderolabs/amdgpu", tier: "core", version: "20260810-v9.9.9" },
        { name: "siderolabs/gvisor", tier: "core", version: "20260810.0" },
        { name: "siderolabs/zfs", tier: "extra", version: "2.3.0" },
      ],
    });
  });

  it("records the chart, its source and its subcharts (alias, condition, whether unpacked)", () => {
    expect(facts.chart).toEqual({
      name: "demo",
      version: "1.2.3",
      appVersion: "v4.5.6",
      repository: "https://charts.example.com",
      pinned: true,
    });
    expect(facts.source).toEqual({
      repo: "example/demo",
      ref: "demo-1.2.3",
      path: "charts/demo (a continued line)",
      note: "an unkeyed note",
    });
    expect(facts.valuesFile).toBe("values.yaml");
    expect(facts.subcharts).toEqual([
      {
        key: "absent",
        name: "absent",
        version: "9.9.9",
        condition: "absent.enabled",
        enabledByDefault: false,
        unpacked: false,
      },
      {
        key: "redis",
        name: "cache",
        version: "0.1.0",
        condition: "redis.enabled",
        enabledByDefault: true,
        unpacked: true,
      },
    ]);
  });

  it("finds hook documents by their annotation, not CRDs nor names inside a block scalar", () => {
    expect(facts.hooks.filter((hook) => hook.annotationsFrom === null)).toEqual([
      {
        template: "templates/hooks.yaml",
        kind: "Job",
        name: '{{ include "demo.fullname" . }}-migrate',
        events: ["pre-install", "pre-upgrade"],
        weight: "-5",
        deletePolicy: ["before-hook-creation", "hook-succeeded"],
        annotationsFrom: null,
        guards: [],
      },
    ]);
  });

  it("finds hooks whose annotations the template copies from values, with the actions guarding them", () => {
    expect(facts.hooks).toContainEqual({
      template: "templates/check.yaml",
      kind: "Job",
      name: '{{ include "demo.fullname" $ }}-check',
      events: ["post-install"],
      weight: "1",
      deletePolicy: ["before-hook-creation", "hook-succeeded"],
      annotationsFrom: "check.jobAnnotations",
      guards: ["if .Values.check.enabled", "with .Values.redis"],
    });
    expect(facts.hooks.filter((hook) => hook.template === "templates/check.yaml")).toHaveLength(1);
  });

  it("finds admission webhooks with each webhook's service reference", () => {
    expect(facts.webhooks).toEqual([
      {
        template: "templates/webhook.yaml",
        kind: "ValidatingWebhookConfiguration",
        name: "demo-webhook",
        webhooks: [
          {
            name: "widgets.demo.example.com",
            service: { name: '{{ include "demo.fullname" . }}-webhook', namespace: "{{ .Release.Namespace }}" },
          },
          { name: "gadgets.demo.example.com", service: null },
        ],
        guards: ["if .Values.webhook.enabled"],
      },
    ]);
  });

  it("finds every Service document, subcharts' included, with its raw name", () => {
    expect(facts.services).toEqual([
      { template: "charts/cache/templates/service.yaml", name: "{{ .Release.Name }}-cache" },
      { template: "templates/webhook.yaml", name: '"{{ include "demo.fullname" . }}-webhook"' },
    ]);
  });

  it("lists every values path a template reads, subchart paths under their alias and globals as they are", () => {
    expect(facts.valuesReferences).toEqual([
      "check.enabled",
      "check.jobAnnotations",
      "check.podAnnotations",
      "crds.keep",
      "extra-settings.mode",
      "fullnameOverride",
      "global.domain",
      "image.tag",
      "job.annotations",
      "redis",
      "redis.port",
      "service.port",
      "webhook.enabled",
      "webhook.port",
    ]);
  });

  it("nests the subchart's defaults under its alias as Helm coalesces them: the parent wins, null deletes", () => {
    expect(facts.values).toEqual({
      absent: { enabled: false },
      check: {
        enabled: true,
        jobAnnotations: {
          "helm.sh/hook": "post-install",
          "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
          "helm.sh/hook-weight": "1",
        },
        podAnnotations: { "helm.sh/hook": "not-the-job" },
      },
      image: { tag: "" },
      redis: { enabled: true, image: { repository: "cache" }, port: 7000 },
      replicas: 1,
    });
  });

  it("is deterministic: a second refresh writes the same bytes", () => {
    const again = freshDirectory();
    try {
      refresh(localSource(input), again, fixtureManifest, fixturePins);
      for (const file of written) {
        expect(fs.readFileSync(path.join(again, file))).toEqual(fs.readFileSync(path.join(out, file)));
      }
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it("--check accepts the output at its pins and names what a bumped pin leaves behind", () => {
    expect(checkVendor(out, fixtureManifest, fixturePins)).toEqual([]);
    const bumped = { talos: { version: "v9.9.10" }, charts: { demo: "1.2.4" } };
    expect(checkVendor(out, fixtureManifest, bumped)).toEqual([
      "vendor/ holds the facts of chart demo for version 1.2.3 but pins.ts pins 1.2.4 — run npm run vendor",
      "vendor/ holds schemas/crds/demo-<version>/ for version v1.2.3 but pins.ts pins v1.2.4 — run npm run vendor",
      "vendor/ holds schemas/talos/talos-<version>-config.schema.json for version v9.9.9 but pins.ts pins v9.9.10 — run npm run vendor",
      "vendor/ holds talos/extensions.json for version v9.9.9 but pins.ts pins v9.9.10 — run npm run vendor",
    ]);
  });

  it("fails naming the missing input when the --from folder lacks a pinned version", () => {
    const elsewhere = freshDirectory();
    try {
      expect(() =>
        refresh(localSource(input), elsewhere, fixtureManifest, { ...fixturePins, charts: { demo: "2.0.0" } }),
      ).toThrow(new VendorError(`vendor: ${path.join(input, "charts/demo-2.0.0")} is missing from the --from folder`));
      expect(fs.readdirSync(elsewhere)).toEqual([]);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("the refresh's text transforms", () => {
  it("extension lines that are not `name tier version` are an error", () => {
    expect(() => extensionsFromText("# list: somewhere.\nzfs 2.3.0\n", "v1")).toThrow(
      'vendor: extensions line "zfs 2.3.0" is not `name tier version`',
    );
  });

  it("argo-helm's CRD templates lose exactly their template-only lines", () => {
    const template = [
      "{{- if .Values.crds.install }}",
      "apiVersion: apiextensions.k8s.io/v1",
      "metadata:",
      "  annotations:",
      "    {{- if .Values.crds.keep }}",
      '    "helm.sh/resource-policy": keep',
      "    {{- end }}",
      "  name: applications.argoproj.io",
      "{{- end }}",
      "",
    ].join("\n");
    expect(stripTemplateLines(template)).toBe(
      [
        "apiVersion: apiextensions.k8s.io/v1",
        "metadata:",
        "  annotations:",
        '    "helm.sh/resource-policy": keep',
        "  name: applications.argoproj.io",
        "",
      ].join("\n"),
    );
  });
});

describe("the committed vendor/", () => {
  it("holds what pins.ts pins (otherwise: run npm run vendor)", () => {
    expect(checkVendor(vendorDirectory, readManifest(), pins)).toEqual([]);
  });

  it("holds the facts of every chart pins.ts pins, each marked pinned, and of no other chart", () => {
    const charts = fs.readdirSync(path.join(vendorDirectory, "charts")).sort();
    const pinned = Object.values(pins.charts);
    for (const version of pinned) {
      expect(charts.some((file) => file.endsWith(`-${version}.json`))).toBe(true);
    }
    expect(charts).toContain(`tuppr-${pins.charts.tuppr}.json`);
    expect(charts).toHaveLength(pinned.length);
    const unpinned = charts.filter(
      (file) =>
        !(JSON.parse(fs.readFileSync(path.join(vendorDirectory, "charts", file), "utf8")) as ChartFacts).chart
          .pinned,
    );
    expect(unpinned).toEqual([]);
  });

  it("validates Argo CD objects against the version the pinned argo-cd chart installs", () => {
    const argocd = JSON.parse(
      fs.readFileSync(path.join(vendorDirectory, `charts/argo-cd-${pins.charts.argocd}.json`), "utf8"),
    ) as ChartFacts;
    const sets = fs.readdirSync(path.join(vendorDirectory, "schemas/crds")).filter((set) => set.startsWith("argo-cd-"));
    expect(sets).toEqual([`argo-cd-${argocd.chart.appVersion}`]);
  });

  it("keeps talos/extensions.json in the refresh's exact format", () => {
    const text = fs.readFileSync(path.join(vendorDirectory, "talos/extensions.json"), "utf8");
    const list = JSON.parse(text) as ReturnType<typeof extensionsFromText>;
    expect(list.talosVersion).toBe(pins.talos.version);
    expect(extensionsJson(list)).toBe(text);
    const names = list.extensions.map((extension) => extension.name);
    expect(names).toEqual([...names].sort());
  });
});

describe("the tests stand alone", () => {
  // Spelled in pieces so that this file does not match itself.
  const sibling = new RegExp(["\\.\\.", "shared"].join("/") + "|" + ["shared", "(schemas|charts|reference)"].join("/"));

  it("read upstream data from vendor/ only", () => {
    expect(crdDirectory).toBe(path.join(vendorDirectory, "schemas/crds"));
    expect(helmValuesSchemaDirectory).toBe(path.join(vendorDirectory, "schemas/helm-values"));
  });

  it("no test, support file, script or config names a shared folder beside the checkout", () => {
    const candidates = [
      ...filesUnder(path.join(root, "test"), "test/").filter(
        // The workflow test's fake workflows read a sibling folder on purpose, to prove its check rejects them.
        (file) =>
          /\.(ts|js|mjs|sh)$/.test(file) && !file.startsWith("test/fixtures/") && file !== "test/workflows.test.ts",
      ),
      ...filesUnder(path.join(root, "scripts"), "scripts/"),
      "jest.config.js",
      "package.json",
    ];
    const offenders = candidates.filter((file) => sibling.test(fs.readFileSync(path.join(root, file), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the sibling check would catch a reader of the old location", () => {
    expect(sibling.test(`path.resolve(__dirname, "../../../${"shared"}/schemas/crds")`)).toBe(true);
    expect(sibling.test('path.resolve(__dirname, "../../vendor/schemas/crds")')).toBe(false);
  });
});

describe("npm run vendor from upstream", () => {
  it("stops with one clear line when helm is missing", () => {
    const out = freshDirectory();
    const result = spawnSync(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/vendor.ts"), "--out", out],
      { encoding: "utf8", env: { ...process.env, PATH: path.dirname(process.execPath) } },
    );
    fs.rmSync(out, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "vendor: helm is not installed — the refresh from upstream runs helm pull and needs network; or run npm run vendor -- --from <dir>",
    ]);
  });
});
