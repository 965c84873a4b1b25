/**
 * The entry of render's V8 startup snapshot (scripts/bundle-render.mjs builds it with
 * `node --build-snapshot`): everything render loads is loaded here, once, so a run that starts from
 * the snapshot skips module loading and initialisation — most of render's start-up.
 */
import * as v8 from "node:v8";
import "./render-cluster";
import { answerAppsJob } from "./render-apps-worker";
import { renderMain } from "./render-main";

if (v8.startupSnapshot.isBuildingSnapshot()) {
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    const { HOMELAB_RENDER_APPS_JOB: job, HOMELAB_RENDER_APPS_ANSWER: answer } = process.env;
    if (job && answer) {
      // Started by `appsDocuments` as its second process.
      answerAppsJob(job, answer);
      return;
    }
    // A snapshot's main sees the arguments after `--` from index 1.
    process.exitCode = renderMain(process.argv.slice(1));
  });
}
