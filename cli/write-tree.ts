import { existsSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { RenderedFile } from "./render-cluster";

/** Written into every `<out>/<cluster>/`: only a folder holding it is render's to replace. */
export const renderMarker = ".rendered-by-homelab-platform";

const markerText =
  "This folder is written by `npm run render` of homelab-platform and replaced as a whole on every render.\n" +
  "Keep your own files elsewhere: render deletes what it no longer renders.\n";

/**
 * Why `<outDir>/<name>` may not be replaced, or undefined when it may: it does not exist, or it is
 * a folder an earlier render wrote (it holds the marker). `shown` is how messages name `outDir`.
 */
export function replaceRefusal(outDir: string, name: string, shown: string): string | undefined {
  const target = path.join(outDir, name);
  const where = path.join(shown, name);
  let stats;
  try {
    stats = lstatSync(target);
  } catch {
    return undefined;
  }
  const elsewhere = "— render replaces only folders it created: move it away, or choose another --out";
  if (stats.isSymbolicLink()) return `${where} is a symbolic link ${elsewhere}`;
  if (!stats.isDirectory()) return `${where} is a file, not a rendered folder ${elsewhere}`;
  if (!existsSync(path.join(target, renderMarker)) || !lstatSync(path.join(target, renderMarker)).isFile()) {
    return (
      `${where}/ exists but was not written by render (it has no ${renderMarker}) ${elsewhere}; ` +
      `a folder from a render before the marker existed: delete it once and render again`
    );
  }
  return undefined;
}

/**
 * Replaces `<outDir>/<name>` with exactly `files` and the marker: they are written beside it first
 * and swapped in by a rename, so a failed write never leaves a half-rendered cluster and stale files
 * disappear. Call `replaceRefusal` first: this replaces whatever is there.
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
    writeFileSync(path.join(staging, renderMarker), markerText);
    const final = path.join(outDir, name);
    rmSync(final, { recursive: true, force: true });
    renameSync(staging, final);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
