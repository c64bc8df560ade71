import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const entry = fileURLToPath(new URL("../bin/registrar.mjs", import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the real `registrar` binary in a child process, as a script would: stdout and stderr
 * are pipes, never a terminal, so every run also checks that no colour code is printed.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { ...process.env, REGISTRAR_URL: undefined, REGISTRAR_TOKEN: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every colour code
      expect(`${stdout}${stderr}`, "colour codes without a terminal").not.toMatch(/\u001b\[/);
      resolve({ code, stdout, stderr });
    });
  });
}
