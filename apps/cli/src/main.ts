import { runRegistrar } from "./run.ts";

// The run gets its arguments, environment and streams from the process here (only signals,
// which `events tail` listens for, are not handed in), and its exit code is set, not passed
// to process.exit, so that output still flushes.
process.exitCode = await runRegistrar(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
