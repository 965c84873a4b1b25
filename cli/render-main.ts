import { runRender } from "./render-command";

/** Runs render with the process's own streams and returns its exit code; never throws. */
export function renderMain(argv: readonly string[]): number {
  const io = {
    cwd: process.cwd(),
    stdout: (line: string) => process.stdout.write(`${line}\n`),
    stderr: (line: string) => process.stderr.write(`${line}\n`),
  };
  try {
    return runRender(argv, io);
  } catch (error) {
    // A bug, not the user's input: still one line, never a stack trace.
    io.stderr(
      `render: internal error: ${(error as Error).message} — nothing more was written; please report it`,
    );
    return 1;
  }
}
