import { isRegistrarError, type RegistrarError } from "@registrar/sdk";
import { CommanderError } from "commander";
import { ExitCode, RefusedError, UsageError } from "./exit-codes.ts";
import { buildProgram } from "./program.ts";

/** Errors for people: the problem's detail, each validation fault on its own line; never a stack. */
function describe(error: RegistrarError): string {
  const lines = [`error: ${error.detail}`];
  const issues = error.problem.errors ?? [];
  // the detail already names the first fault; list them all when there are more
  for (const issue of issues.length > 1 ? issues : []) {
    lines.push(`  - ${issue.path ? `${issue.path}: ` : ""}${issue.message}`);
  }
  return lines.join("\n");
}

function report(error: unknown, json: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // commander has printed its message (or the help, or the version) already
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isRegistrarError(error)) {
    process.stderr.write(`${json ? JSON.stringify({ error: error.problem }) : describe(error)}\n`);
    return error.code === "network_error" || error.code === "unexpected_response"
      ? ExitCode.unreachable
      : ExitCode.refused;
  }
  const usage = error instanceof UsageError;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof RefusedError) {
    process.stderr.write(`error: ${detail}\n`);
    return ExitCode.refused;
  }
  const code = usage ? "usage_error" : "internal_error";
  process.stderr.write(`${json ? JSON.stringify({ error: { code, detail } }) : `error: ${detail}`}\n`);
  return usage ? ExitCode.usage : ExitCode.refused;
}

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error, program.opts<{ json?: boolean }>().json === true);
}
