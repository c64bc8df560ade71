import { runKeysCommand } from "./keys-command.ts";

// `pnpm keys` (package.json): the command of src/keys-command.ts on this process's
// arguments, environment and streams.
process.exitCode = await runKeysCommand(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
