import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { RenderedFile } from "./render-cluster";

/**
 * Replaces `<outDir>/<name>` with exactly `files`: they are written beside it first and swapped in
 * by a rename, so a failed write never leaves a half-rendered cluster and stale files disappear.
 */
export function replaceTree(outDir: string, name: string, files: readonly RenderedFile[]): void {
  mkdirSync(outDir, { recursive: true });
  const staging = mkdtempSync(path.join(outDir, `.${name}.rendering-`));
  try {
    for (const file of files) {
      const target = path.join(staging, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    const final = path.join(outDir, name);
    rmSync(final, { recursive: true, force: true });
    renameSync(staging, final);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
