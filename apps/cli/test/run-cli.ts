import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { runRegistrar } from "../src/run.ts";

const entry = fileURLToPath(new URL("../bin/registrar.mjs", import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** What a run inherits: the test's environment without a server or key of its own, plus `env`. */
function environment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...process.env, REGISTRAR_URL: undefined, REGISTRAR_TOKEN: undefined, ...env };
}

function expectNoColour(run: CliRun): CliRun {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every colour code
  expect(`${run.stdout}${run.stderr}`, "colour codes without a terminal").not.toMatch(/\u001b\[/);
  return run;
}

/** A pipe's end as the CLI sees one: not a terminal; what is written is kept as text. */
function captured(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * Runs `registrar` in this process, as bin/registrar.mjs runs it but with its own streams:
 * stdout and stderr are buffers, never a terminal (so every run also checks that no colour
 * code is printed), stdin is empty, and the environment is `env` over the test's. Starting
 * a Node process per command cost about half a second each; the tests make hundreds.
 * runCliProcess runs the real binary, for what only a process shows.
 */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const stdout = captured();
  const stderr = captured();
  const code = await runRegistrar(args, {
    env: environment(env),
    cwd: process.cwd(),
    stdin: Readable.from([]),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return expectNoColour({ code, stdout: stdout.text(), stderr: stderr.text() });
}

/** Runs the real `registrar` binary in a child process, as a script would, with pipes for stdout and stderr. */
export function runCliProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // the file itself, not `node file`: its shebang and mode are part of what is tested
    const child = spawn(entry, args, { env: environment(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(expectNoColour({ code, stdout, stderr })));
  });
}
