/**
 * The real `registrar` binary, started as a script starts it: the other CLI tests run the
 * same program in-process (test/run-cli.ts), so what only a process shows is checked here:
 * the shebang and file mode, the environment read from the process, and exit codes.
 * auth.test.ts (the token from REGISTRAR_TOKEN, exit 0 and 1) and import.test.ts (SIGKILL
 * mid-import) run the binary too.
 */
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { runCliProcess } from "./run-cli.ts";

it("starts from its shebang and exits 0 with the help on stdout", async () => {
  const source = await readFile(new URL("../bin/registrar.mjs", import.meta.url), "utf8");
  expect(source.startsWith("#!/usr/bin/env node\n")).toBe(true);
  const run = await runCliProcess(["--help"]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain("Exit codes:");
  expect(run.stderr).toBe("");
});

it("exits 2 on a usage error, with one line on stderr and no stack", async () => {
  const run = await runCliProcess(["students", "list", "--limit", "0"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^error: /m);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stdout).toBe("");
});

it("exits 3 when the server that REGISTRAR_URL names cannot be reached", async () => {
  const run = await runCliProcess(["students", "list"], { REGISTRAR_URL: "http://127.0.0.1:9" });
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/^error: Cannot reach http:\/\/127\.0\.0\.1:9/);
});
