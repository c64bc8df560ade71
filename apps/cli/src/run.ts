import { isRegistrarError, type RegistrarError } from "@registrar/sdk";
import { CommanderError } from "commander";
import { ExitCode, RefusedError, UsageError } from "./exit-codes.ts";
import { type CliIo, startInvocation, withInvocation } from "./invocation.ts";
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

function report(error: unknown, json: boolean, stderr: CliIo["stderr"]): ExitCode {
  if (error instanceof CommanderError) {
    // commander has printed its message (or the help, or the version) already
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isRegistrarError(error)) {
    stderr.write(`${json ? JSON.stringify({ error: error.problem }) : describe(error)}\n`);
    return error.code === "network_error" || error.code === "unexpected_response"
      ? ExitCode.unreachable
      : ExitCode.refused;
  }
  const usage = error instanceof UsageError;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof RefusedError) {
    stderr.write(`error: ${detail}\n`);
    return ExitCode.refused;
  }
  const code = usage ? "usage_error" : "internal_error";
  stderr.write(`${json ? JSON.stringify({ error: { code, detail } }) : `error: ${detail}`}\n`);
  return usage ? ExitCode.usage : ExitCode.refused;
}

/**
 * One run of `registrar` with these arguments (those after the command's name): what it
 * prints goes to `io`'s streams, and the exit code is returned, never passed to
 * process.exit, so that a test can run it in its own process as bin/registrar.mjs does.
 */
export async function runRegistrar(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const invocation = startInvocation(io);
  const program = buildProgram(invocation);
  return withInvocation(invocation, async () => {
    try {
      await program.parseAsync(args, { from: "user" });
      return invocation.exitCode;
    } catch (error) {
      return report(error, program.opts<{ json?: boolean }>().json === true, io.stderr);
    }
  });
}
