import { runDbCommand } from "./db-command.ts";

// `pnpm db:*` (package.json): the command of src/db-command.ts on this process's arguments,
// environment and streams.
process.exitCode = await runDbCommand(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
