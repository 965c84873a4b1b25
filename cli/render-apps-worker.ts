/**
 * The second process of `appsDocuments`: builds its part of the apps and writes the documents, or the
 * error, to the answer file — through a rename, so the answer appears whole. Run as
 * `node render-apps-worker.bundle.js <job.json> <answer.json>`, or from render's start-up snapshot with
 * the two paths in `HOMELAB_RENDER_APPS_JOB` and `HOMELAB_RENDER_APPS_ANSWER`.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { appsPartDocuments, type AppsPart } from "./apps-documents";

export function answerAppsJob(job: string, answer: string): void {
  let reply: { documents?: string[]; error?: string };
  try {
    reply = { documents: appsPartDocuments(JSON.parse(readFileSync(job, "utf8")) as AppsPart) };
  } catch (error) {
    reply = { error: (error as Error).message };
  }
  try {
    writeFileSync(`${answer}.partial`, JSON.stringify(reply));
    renameSync(`${answer}.partial`, answer);
  } catch {
    // Render gave up on this answer and removed its folder: nobody reads it.
  }
}

if (require.main === module) {
  const [job, answer] = process.argv.slice(2);
  answerAppsJob(job, answer);
}
