/**
 * The second process of `appsDocuments`: `node render-apps-worker.bundle.js <job.json> <answer.json>`
 * builds its part of the apps and writes the documents, or the error, to the answer file — through a
 * rename, so the answer appears whole.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { appsPartDocuments, type AppsPart } from "./apps-documents";

const [job, answer] = process.argv.slice(2);
let reply: { documents?: string[]; error?: string };
try {
  reply = { documents: appsPartDocuments(JSON.parse(readFileSync(job, "utf8")) as AppsPart) };
} catch (error) {
  reply = { error: (error as Error).message };
}
writeFileSync(`${answer}.partial`, JSON.stringify(reply));
renameSync(`${answer}.partial`, answer);
