import { runRender } from "./render-command";

const io = {
  cwd: process.cwd(),
  stdout: (line: string) => process.stdout.write(`${line}\n`),
  stderr: (line: string) => process.stderr.write(`${line}\n`),
};
try {
  process.exitCode = runRender(process.argv.slice(2), io);
} catch (error) {
  // A bug, not the user's input: still one line, never a stack trace.
  io.stderr(
    `render: internal error: ${(error as Error).message} — nothing more was written; please report it`,
  );
  process.exitCode = 1;
}
