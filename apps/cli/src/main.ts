import { runRegistrar } from "./run.ts";

// The only place that touches the process: the run gets its arguments, environment and
// streams from here, and its exit code is set (not process.exit) so that output still flushes.
process.exitCode = await runRegistrar(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
