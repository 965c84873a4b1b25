import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..");
const workflowDir = path.join(root, ".github", "workflows");

interface Step {
  uses?: string;
  run?: string;
  if?: unknown;
  with?: Record<string, unknown>;
}

interface Job {
  if?: unknown;
  needs?: string | string[];
  environment?: string | { name?: string };
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}

interface Workflow {
  on: unknown;
  jobs: Record<string, Job>;
}

const allowedActions = [
  "actions/checkout@v4",
  "actions/setup-node@v4",
  "actions/upload-artifact@v4",
  "pulumi/actions@v6",
];
const allowedPulumiCommands = ["preview", "up"];
// Anything that would chain, pipe, redirect or substitute a second command onto a documented one.
const shellOperators = /[;&|<>`]|\$\(/;

function parseWorkflow(text: string): Workflow {
  const workflow = parse(text, { uniqueKeys: true }) as unknown;
  if (typeof workflow !== "object" || workflow === null) throw new Error("a workflow is a YAML mapping");
  return workflow as Workflow;
}

function stripComment(line: string): string {
  return line.replace(/(^|\s)#.*$/, "").trim();
}

/** A command without its trailing comment and the arguments it passes on after `--`. */
function normaliseCommand(line: string): string {
  return stripComment(line)
    .split(/\s--(?:\s|$)/)[0]
    .replace(/\s+/g, " ")
    .trim();
}

function fencedBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)]
    .filter((m) => m[1] === language)
    .map((m) => m[2]);
}

function shCommands(markdown: string): string[] {
  return fencedBlocks(markdown, "sh")
    .flatMap((block) => block.split("\n"))
    .flatMap((line) => stripComment(line).split(/&&|\|\||;/))
    .map(normaliseCommand)
    .filter((command) => command !== "");
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\s+/g, " ").trim());
}

/** The commands README.md documents: its fenced `sh` blocks, and the npm/pulumi code spans of its tables. */
function documentedCommands(readme: string): Set<string> {
  const tableSpans = readme
    .split("\n")
    .filter((line) => line.trimStart().startsWith("|"))
    .flatMap(codeSpans)
    .filter((span) => /^(npm|pulumi) /.test(span))
    .map(normaliseCommand);
  return new Set([...shCommands(readme), ...tableSpans]);
}

/** Every `pulumi <command>` README.md mentions, in a code span or an `sh` block. */
function documentedPulumiCommands(readme: string): Set<string> {
  const prose = readme.replace(/^```\w*\n[\s\S]*?^```/gm, "");
  return new Set(
    [...shCommands(readme), ...codeSpans(prose)]
      .map((command) => /^pulumi ([a-z-]+)/.exec(command)?.[1])
      .filter((command): command is string => command !== undefined),
  );
}

function stepsOf(workflow: Workflow): { where: string; step: Step }[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    (job.steps ?? []).map((step, i) => ({ where: `jobs.${name}.steps[${i}]`, step })),
  );
}

function runCommandProblems(file: string, workflow: Workflow, documented: Set<string>): string[] {
  return stepsOf(workflow).flatMap(({ where, step }) =>
    (step.run ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .flatMap((line) => {
        if (shellOperators.test(stripComment(line)))
          return [`${file}: ${where}: "${line}" chains shell commands`];
        if (!documented.has(normaliseCommand(line))) {
          return [`${file}: ${where}: "${line}" is not a command README.md documents`];
        }
        return [];
      }),
  );
}

function pulumiStepProblems(file: string, workflow: Workflow, documented: Set<string>): string[] {
  return stepsOf(workflow)
    .filter(({ step }) => step.uses?.startsWith("pulumi/actions@"))
    .flatMap(({ where, step }) => {
      const command = String(step.with?.command);
      if (!allowedPulumiCommands.includes(command)) {
        return [
          `${file}: ${where}: pulumi/actions command ${command} is not one of ${allowedPulumiCommands}`,
        ];
      }
      if (!documented.has(command))
        return [`${file}: ${where}: README.md never mentions \`pulumi ${command}\``];
      return [];
    });
}

function needsOf(job: Job | undefined): string[] {
  if (job?.needs === undefined) return [];
  return typeof job.needs === "string" ? [job.needs] : job.needs;
}

function pulumiSteps(job: Job | undefined): Step[] {
  return (job?.steps ?? []).filter((step) => step.uses?.startsWith("pulumi/actions@"));
}

/** The deploy workflow applies core, then dev, then prod, each with `up` on its own stack, prod behind an environment. */
function deployProblems(workflow: Workflow): string[] {
  const order = ["core", "dev", "prod"];
  const problems = order.flatMap((stack, i) => {
    const job = workflow.jobs[stack];
    if (job === undefined) return [`no job ${stack}`];
    const expectedNeeds = i === 0 ? [] : [order[i - 1]];
    const found: string[] = [];
    if (JSON.stringify(needsOf(job)) !== JSON.stringify(expectedNeeds)) {
      found.push(`job ${stack} needs [${needsOf(job)}], expected [${expectedNeeds}]`);
    }
    const steps = pulumiSteps(job);
    if (steps.length !== 1 || steps[0].with?.command !== "up" || steps[0].with?.["stack-name"] !== stack) {
      found.push(`job ${stack} must run one pulumi/actions step with command up on stack ${stack}`);
    }
    return found;
  });
  const prodEnvironment = workflow.jobs.prod?.environment;
  const gate = typeof prodEnvironment === "string" ? prodEnvironment : prodEnvironment?.name;
  if (!gate) problems.push("job prod has no environment to gate it");
  return problems;
}

/** Every string in a parsed workflow, with where it sits. */
function stringsOf(value: unknown, where: string): { where: string; text: string }[] {
  if (typeof value === "string") return [{ where, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsOf(item, `${where}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      stringsOf(item, where === "" ? key : `${where}.${key}`),
    );
  }
  return [];
}

/** A path naming the sibling `shared` folder: `shared`, `shared/...`, `../shared`, `main/../shared/...`. */
const siblingShared = /(^|[\s/"'=:])shared(\/|$|[\s"'])/;

/**
 * The project stands alone: a workflow checks out only this repository (into main/) and reads nothing
 * from a `shared` folder beside it — the upstream data the tests need is vendored in vendor/.
 */
function standAloneProblems(file: string, workflow: Workflow): string[] {
  const checkouts = stepsOf(workflow)
    .filter(({ step }) => step.uses?.startsWith("actions/checkout@"))
    .flatMap(({ where, step }) => {
      const found: string[] = [];
      if (step.with?.repository !== undefined) {
        found.push(`${file}: ${where}: checks out another repository (${String(step.with.repository)})`);
      }
      if (step.with?.path !== undefined && step.with.path !== "main") {
        found.push(`${file}: ${where}: checks out into ${String(step.with.path)}, not main`);
      }
      return found;
    });
  const reads = stringsOf(workflow, "")
    .filter(({ text }) => siblingShared.test(text))
    .map(({ where, text }) => `${file}: ${where}: "${text}" reads a sibling shared folder`);
  return [...checkouts, ...reads];
}

/** `npm test` runs in the check job on every pull request: no `if` on the step or on its job. */
function unconditionalTestProblems(workflow: Workflow): string[] {
  const check = workflow.jobs.check;
  const tests = (check?.steps ?? []).filter((step) => step.run?.trim() === "npm test");
  if (tests.length === 0) return ["job check does not run npm test"];
  const problems: string[] = [];
  if (check?.if !== undefined) problems.push(`job check runs only if ${String(check.if)}`);
  for (const step of tests) {
    if (step.if !== undefined) problems.push(`npm test runs only if ${String(step.if)}`);
  }
  return problems;
}

function matrixStacks(job: Job | undefined): unknown {
  return job?.strategy?.matrix?.stack;
}

const readme = readFileSync(path.join(root, "README.md"), "utf8");
const workflowFiles = readdirSync(workflowDir)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const workflows = new Map(
  workflowFiles.map((file) => [file, parseWorkflow(readFileSync(path.join(workflowDir, file), "utf8"))]),
);
const stacks = readdirSync(root)
  .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
  .filter((stack): stack is string => stack !== undefined)
  .sort();

function workflow(file: string): Workflow {
  const found = workflows.get(file);
  if (found === undefined) throw new Error(`.github/workflows/${file} is missing`);
  return found;
}

/** Every secret a text names, but the GITHUB_TOKEN GitHub gives each run. */
function secretsNamed(value: unknown): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)]
    .map((m) => m[1])
    .filter((name) => name !== "GITHUB_TOKEN");
}

const environmentOf = (job: Job) =>
  typeof job.environment === "string" ? job.environment : job.environment?.name;

const forkGuard = "github.event.pull_request.head.repo.full_name == github.repository";

/**
 * Who can read a secret: a job gets one only through a GitHub environment (never the repository or
 * the workflow as a whole); in pull-request workflows only the `preview` environment, whose required
 * reviewers read the change before its code runs, and never for a fork; never `pull_request_target`.
 */
function secretProblems(file: string, parsed: Workflow & { env?: unknown }): string[] {
  const problems: string[] = [];
  const triggers = typeof parsed.on === "string" ? [parsed.on] : Object.keys(parsed.on as object);
  if (triggers.includes("pull_request_target")) {
    problems.push(`${file}: on.pull_request_target runs with secrets beside a pull request's code`);
  }
  if (secretsNamed(parsed.env).length > 0) problems.push(`${file}: env: secrets for every job`);
  for (const [name, job] of Object.entries(parsed.jobs)) {
    if (secretsNamed(job).length === 0) continue;
    const environment = environmentOf(job);
    if (environment === undefined) {
      problems.push(`${file}: jobs.${name}: holds ${secretsNamed(job).join(", ")} outside an environment`);
    } else if (triggers.includes("pull_request")) {
      if (environment !== "preview")
        problems.push(`${file}: jobs.${name}: environment ${environment}, not preview`);
      if (!String(job.if ?? "").includes(forkGuard)) problems.push(`${file}: jobs.${name}: runs for forks`);
    } else if (!["homelab", "production"].includes(environment)) {
      problems.push(`${file}: jobs.${name}: environment ${environment}, not homelab or production`);
    }
  }
  return problems;
}

describe("GitHub workflows", () => {
  it("ship the pull-request, deploy and drift workflows", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["deploy.yml", "drift.yml", "pull-request.yml"]));
  });

  it.each(workflowFiles)("%s parses as YAML and has on and jobs", (file) => {
    const parsed = workflow(file);
    expect(parsed.on).toBeDefined();
    expect(Object.keys(parsed.jobs ?? {}).length).toBeGreaterThan(0);
  });

  it("run only commands README.md documents", () => {
    const documented = documentedCommands(readme);
    expect(workflowFiles.flatMap((file) => runCommandProblems(file, workflow(file), documented))).toEqual([]);
  });

  it("use only the pinned actions", () => {
    const unpinned = workflowFiles.flatMap((file) =>
      stepsOf(workflow(file))
        .filter(({ step }) => step.uses !== undefined && !allowedActions.includes(step.uses))
        .map(({ where, step }) => `${file}: ${where}: ${step.uses}`),
    );
    expect(unpinned).toEqual([]);
  });

  it("run Pulumi only through pulumi/actions with preview or up, as README.md documents them", () => {
    const documented = documentedPulumiCommands(readme);
    expect(workflowFiles.flatMap((file) => pulumiStepProblems(file, workflow(file), documented))).toEqual([]);
  });

  it("preview every stack that has a Pulumi.<stack>.yaml on pull requests, after the checks", () => {
    const pullRequest = workflow("pull-request.yml");
    const preview = pullRequest.jobs.preview;
    expect(stacks.length).toBeGreaterThan(0);
    expect(pullRequest.on).toHaveProperty("pull_request");
    expect(needsOf(preview)).toEqual(["check"]);
    expect([...(matrixStacks(preview) as string[])].sort()).toEqual(stacks);
    expect(pulumiSteps(preview).map((step) => step.with)).toEqual([
      expect.objectContaining({
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        "comment-on-pr": true,
      }),
    ]);
  });

  it("check pull requests with lint, typecheck, build, test and render", () => {
    const runs = (workflow("pull-request.yml").jobs.check?.steps ?? []).map((step) => step.run);
    expect(runs).toEqual(
      expect.arrayContaining([
        "npm ci",
        "npm run lint",
        "npm run typecheck",
        "npm run build",
        "npm test",
        "npm run render",
      ]),
    );
  });

  it("stand alone: no workflow checks out or reads a sibling shared folder", () => {
    expect(workflowFiles.flatMap((file) => standAloneProblems(file, workflow(file)))).toEqual([]);
  });

  it("run npm test on every pull request, unconditionally", () => {
    expect(unconditionalTestProblems(workflow("pull-request.yml"))).toEqual([]);
  });

  it("give secrets only to jobs in an environment: preview for pull requests (reviewers, no forks)", () => {
    expect(workflowFiles.flatMap((file) => secretProblems(file, workflow(file)))).toEqual([]);
    expect(environmentOf(workflow("pull-request.yml").jobs.preview)).toBe("preview");
    expect(environmentOf(workflow("deploy.yml").jobs.prod)).toBe("production");
  });

  it("state the threat model in README.md: who reads which secret", () => {
    expect(readme).toMatch(/### Who can read the secrets/);
    for (const environment of ["preview", "homelab", "production"])
      expect(readme).toContain(`\`${environment}\``);
  });

  it("deploy core, then dev, then prod behind an environment", () => {
    expect(deployProblems(workflow("deploy.yml"))).toEqual([]);
  });

  it("check every stack for drift nightly, refreshing and expecting no changes", () => {
    const drift = workflow("drift.yml");
    expect(drift.on).toHaveProperty("schedule");
    const jobs = Object.values(drift.jobs);
    expect(jobs.flatMap((job) => matrixStacks(job) as string[]).sort()).toEqual(stacks);
    const steps = jobs.flatMap(pulumiSteps);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
    }
  });
});

describe("the workflow checks reject", () => {
  it("secrets outside an environment, for forks, through pull_request_target, or for the whole workflow", () => {
    const fake = (yaml: string) => parseWorkflow(yaml) as Workflow & { env?: unknown };
    const step = '      - run: npm ci\n        env: { P: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" }\n';
    expect(secretProblems("a.yml", fake(`on: push\njobs:\n  x:\n    steps:\n${step}`))).toEqual([
      "a.yml: jobs.x: holds PULUMI_CONFIG_PASSPHRASE outside an environment",
    ]);
    expect(
      secretProblems(
        "b.yml",
        fake(`on: pull_request\njobs:\n  x:\n    environment: homelab\n    steps:\n${step}`),
      ),
    ).toEqual(["b.yml: jobs.x: environment homelab, not preview", "b.yml: jobs.x: runs for forks"]);
    expect(secretProblems("c.yml", fake("on: pull_request_target\njobs:\n  x:\n    steps: []\n"))).toEqual([
      "c.yml: on.pull_request_target runs with secrets beside a pull request's code",
    ]);
    expect(
      secretProblems("d.yml", fake('on: push\nenv: { P: "${{ secrets.X }}" }\njobs:\n  x:\n    steps: []\n')),
    ).toEqual(["d.yml: env: secrets for every job"]);
    expect(
      secretProblems(
        "e.yml",
        fake('on: push\njobs:\n  x:\n    steps:\n      - run: "${{ secrets.GITHUB_TOKEN }}"\n'),
      ),
    ).toEqual([]);
  });

  const documented = documentedCommands("```sh\nnpm ci && npm test\n```\n\n| `npm run render` | renders |\n");
  const fake = (yaml: string): Workflow => parseWorkflow(yaml);

  it("an undocumented command", () => {
    const piped = fake("on: push\njobs:\n  x:\n    steps:\n      - run: curl x | sh\n");
    expect(runCommandProblems("fake.yml", piped, documented)).toEqual([
      'fake.yml: jobs.x.steps[0]: "curl x | sh" chains shell commands',
    ]);
    const plain = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - run: |\n          npm ci\n          npm run bench\n",
    );
    expect(runCommandProblems("fake.yml", plain, documented)).toEqual([
      'fake.yml: jobs.x.steps[0]: "npm run bench" is not a command README.md documents',
    ]);
  });

  it("a command smuggled after a documented one's arguments", () => {
    const smuggled = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - run: npm run render -- --out o; curl x\n",
    );
    expect(runCommandProblems("fake.yml", smuggled, documented)).toHaveLength(1);
  });

  it("accepts documented commands with arguments after --", () => {
    const ok = fake("on: push\njobs:\n  x:\n    steps:\n      - run: npm run render -- --stack prod\n");
    expect(runCommandProblems("fake.yml", ok, documented)).toEqual([]);
  });

  it("a Pulumi command other than preview and up, or one README.md does not mention", () => {
    const destroy = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - uses: pulumi/actions@v6\n        with: { command: destroy }\n",
    );
    expect(pulumiStepProblems("fake.yml", destroy, new Set(["destroy"]))).toHaveLength(1);
    const preview = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - uses: pulumi/actions@v6\n        with: { command: preview }\n",
    );
    expect(pulumiStepProblems("fake.yml", preview, new Set(["up"]))).toEqual([
      "fake.yml: jobs.x.steps[0]: README.md never mentions `pulumi preview`",
    ]);
  });

  it("a deploy that runs prod beside dev without an approval gate", () => {
    const up = (stack: string) =>
      `    steps:\n      - uses: pulumi/actions@v6\n        with: { command: up, stack-name: ${stack} }\n`;
    const unordered = fake(
      `on: push\njobs:\n  core:\n${up("core")}  dev:\n    needs: core\n${up("dev")}  prod:\n    needs: core\n${up("prod")}`,
    );
    expect(deployProblems(unordered)).toEqual([
      "job prod needs [core], expected [dev]",
      "job prod has no environment to gate it",
    ]);
  });

  it("a checkout of a sibling shared folder, or a step reading one", () => {
    const sibling = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - uses: actions/checkout@v4\n        with: { repository: o/schemas, path: shared }\n      - run: ls ../shared/schemas\n        working-directory: main\n",
    );
    expect(standAloneProblems("fake.yml", sibling)).toEqual([
      "fake.yml: jobs.x.steps[0]: checks out another repository (o/schemas)",
      "fake.yml: jobs.x.steps[0]: checks out into shared, not main",
      'fake.yml: jobs.x.steps[0].with.path: "shared" reads a sibling shared folder',
      'fake.yml: jobs.x.steps[1].run: "ls ../shared/schemas" reads a sibling shared folder',
    ]);
    const alone = fake(
      "on: push\njobs:\n  x:\n    steps:\n      - uses: actions/checkout@v4\n        with: { path: main }\n      - run: npm test\n        working-directory: main\n",
    );
    expect(standAloneProblems("fake.yml", alone)).toEqual([]);
  });

  it("npm test behind a condition, or missing", () => {
    const conditional = fake(
      "on: pull_request\njobs:\n  check:\n    steps:\n      - run: npm test\n        if: vars.SCHEMAS_REPOSITORY != ''\n",
    );
    expect(unconditionalTestProblems(conditional)).toEqual([
      "npm test runs only if vars.SCHEMAS_REPOSITORY != ''",
    ]);
    const gatedJob = fake(
      "on: pull_request\njobs:\n  check:\n    if: false\n    steps:\n      - run: npm test\n",
    );
    expect(unconditionalTestProblems(gatedJob)).toEqual(["job check runs only if false"]);
    const none = fake("on: pull_request\njobs:\n  check:\n    steps:\n      - run: npm run lint\n");
    expect(unconditionalTestProblems(none)).toEqual(["job check does not run npm test"]);
  });

  it("duplicate keys in a workflow", () => {
    expect(() => fake("on: push\non: pull_request\njobs: {}\n")).toThrow();
  });
});
