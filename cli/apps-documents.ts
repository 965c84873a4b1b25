import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { appChartBatches, componentFileStem, type AppsContext } from "../charts";
import { enabledApps, type ClusterInventory } from "../inventory";
import { yamlDocument } from "./yaml-emit";

/** A part of the apps to turn into YAML documents: enabled apps by index, `end` excluded. */
export interface AppsPart {
  readonly inventory: ClusterInventory;
  readonly context: AppsContext;
  readonly first: number;
  readonly end: number;
}

/** Apps per batch: few enough that a batch's constructs are garbage before the next is built. */
const appsPerBatch = 250;
/** Below this many apps a second process costs more to start than it saves. */
const appsWorthASecondProcess = 2000;
/**
 * The bundled helper (dist/cli/render-apps-worker.bundle.js), named by `npm run render`'s launcher;
 * without it, one process builds every app.
 */
export const appsWorkerVariable = "HOMELAB_RENDER_APPS_WORKER";
/** render's start-up snapshot, named by the launcher when render runs from it. */
export const snapshotVariable = "HOMELAB_RENDER_SNAPSHOT";

/** The YAML documents of a part of the apps, batch by batch; `seen` is shown each object first. */
export function appsPartDocuments(part: AppsPart, seen?: (object: unknown) => void): string[] {
  const documents: string[] = [];
  const range = { first: part.first, end: part.end };
  for (const batch of appChartBatches(
    part.inventory,
    part.context,
    componentFileStem("apps"),
    appsPerBatch,
    range,
  )) {
    for (const object of batch.toJson()) {
      seen?.(object);
      documents.push(yamlDocument(object));
    }
  }
  return documents;
}

/** The apps' YAML documents once `finish` is called; `cancel` stops what was started, if anything. */
export interface AppsDocuments {
  readonly finish: () => string[];
  /** Ends the second process and removes its files; safe to call at any time, and more than once. */
  readonly cancel: () => void;
}

/** How long render waits for the second process at most, however it fails. */
const helperDeadlineMs = 15 * 60 * 1000;

/**
 * Starts on the apps' objects as YAML documents. With thousands of apps and the helper at hand, a
 * second process builds the second half from now on — while this one renders the cluster's other
 * files and then the first half (two cores, twice the speed); render stays synchronous, and the
 * helper answers through a file. The caller must `cancel` when it is done or fails, in a `finally`.
 * `seen` is shown each object this process builds (with a helper, only the first half's).
 */
export function startAppsDocuments(
  inventory: ClusterInventory,
  context: AppsContext,
  seen?: (object: unknown) => void,
): AppsDocuments {
  const count = enabledApps(inventory).length;
  const helper = process.env[appsWorkerVariable];
  if (count < appsWorthASecondProcess || !helper || !existsSync(helper)) {
    return {
      finish: () => appsPartDocuments({ inventory, context, first: 0, end: count }, seen),
      cancel: () => {},
    };
  }
  const half = Math.ceil(count / 2 / appsPerBatch) * appsPerBatch;
  const folder = mkdtempSync(path.join(tmpdir(), "homelab-render-apps-"));
  const job = path.join(folder, "job.json");
  const answer = path.join(folder, "answer.json");
  let child: ChildProcess | undefined;
  const cancel = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill();
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const part: AppsPart = { inventory, context, first: half, end: count };
    writeFileSync(job, JSON.stringify(part));
    // From render's start-up snapshot when there is one (it starts in a third of the time), else the bundle.
    const snapshot = process.env[snapshotVariable];
    child =
      snapshot && existsSync(snapshot)
        ? spawn(process.execPath, ["--snapshot-blob", snapshot], {
            stdio: ["ignore", "ignore", "inherit"],
            env: { ...process.env, HOMELAB_RENDER_APPS_JOB: job, HOMELAB_RENDER_APPS_ANSWER: answer },
          })
        : spawn(process.execPath, [helper, job, answer], { stdio: ["ignore", "ignore", "inherit"] });
    child.unref();
  } catch (error) {
    cancel();
    throw error;
  }
  const pid = child.pid;
  return {
    finish: () => {
      try {
        const mine = appsPartDocuments({ inventory, context, first: 0, end: half }, seen);
        return [...mine, ...waitForAnswer(answer, pid)];
      } finally {
        cancel();
      }
    },
    cancel,
  };
}

/** Sleeps in small steps until the helper's answer is there (it renames it into place when done). */
function waitForAnswer(answer: string, pid: number | undefined): string[] {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + helperDeadlineMs;
  for (;;) {
    if (existsSync(answer)) {
      const reply = JSON.parse(readFileSync(answer, "utf8")) as { documents?: string[]; error?: string };
      if (reply.documents === undefined) throw new Error(`building the apps failed: ${reply.error}`);
      return reply.documents;
    }
    if (pid === undefined || !isRunning(pid) || Date.now() > deadline) {
      // One more look: it may have finished between the two checks.
      if (existsSync(answer)) continue;
      throw new Error("the process building the second half of the apps stopped without an answer");
    }
    Atomics.wait(sleeper, 0, 0, 20);
  }
}

/**
 * Whether the helper still runs. This process, blocked in its wait, never reaps the helper, so an
 * ended helper stays a zombie that `kill(pid, 0)` still finds: Linux's /proc tells them apart; elsewhere
 * the deadline ends the wait.
 */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (command) state …: the command may hold spaces and parentheses, the state follows the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return !existsSync("/proc/self/stat");
    } catch {
      return false;
    }
  }
}
