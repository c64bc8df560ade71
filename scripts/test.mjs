#!/usr/bin/env node
// Runs the whole vitest suite once per database: embedded PGlite, then PostgreSQL.
// REGISTRAR_TEST_DB=pglite|postgres picks one; TEST_POSTGRES_URL points at the server.
// Without a reachable PostgreSQL the second half is skipped with a notice, except under
// CI=true, where that is a failure.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const requested = (process.env.REGISTRAR_TEST_DB ?? "pglite,postgres")
  .split(",")
  .map((name) => name.trim())
  .filter(Boolean);
const postgresUrl = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const inCi = process.env.CI === "true" || process.env.CI === "1";

for (const target of requested) {
  if (target !== "pglite" && target !== "postgres") {
    console.error(`REGISTRAR_TEST_DB: unknown database "${target}" (use pglite, postgres or both)`);
    process.exit(2);
  }
}

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5432) });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
// vitest colours its output whenever CI is set, terminal or not; escape codes in a log file
// or a pipe are noise. Colours only on a terminal, unless the caller asks (FORCE_COLOR).
// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task input
const colourEnv = process.stdout.isTTY || process.env.FORCE_COLOR !== undefined ? {} : { NO_COLOR: "1" };
/**
 * Files whose cases do not depend on the database, run in the first half of a run and not
 * again in the second (a half run on its own, REGISTRAR_TEST_DB=postgres, still runs them):
 * - the SDK as a package (pack, npm install, four tsc runs, publint and arethetypeswrong,
 *   ~1 min), whose one live call only needs some server;
 * - the web UI in chromium (~80 s of the PostgreSQL half): the same pages, scripts and axe
 *   checks whichever database answers the API under them, and the API's own behaviour on
 *   each database is what the server's tests check, in both halves.
 */
const databaseIndependent = ["packages/sdk/test/package.test.ts", "apps/web/test/**"];
const resultsDir = join(root, ".test-results");
mkdirSync(resultsDir, { recursive: true });
const summaries = [];
let failed = false;

for (const [half, target] of requested.entries()) {
  if (target === "postgres" && !(await reachable(postgresUrl))) {
    const where = new URL(postgresUrl).host;
    if (inCi) {
      console.error(
        `\nPostgreSQL is not reachable at ${where} and CI=true: the PostgreSQL half cannot be skipped.`,
      );
      process.exit(1);
    }
    console.log(
      `\nNOTICE: PostgreSQL is not reachable at ${where}; the PostgreSQL half of the suite is SKIPPED.`,
    );
    console.log("        Start PostgreSQL or set TEST_POSTGRES_URL to run it.\n");
    summaries.push({ target, skipped: true });
    continue;
  }
  console.log(
    `\n=== tests on ${target === "pglite" ? "embedded PGlite" : `PostgreSQL (${new URL(postgresUrl).host})`} ===`,
  );
  const outputFile = join(resultsDir, `${target}.json`);
  rmSync(outputFile, { force: true });
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      vitest,
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${outputFile}`,
      ...(half > 0 ? databaseIndependent.map((file) => `--exclude=${file}`) : []),
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...colourEnv, REGISTRAR_TEST_DB: target, TEST_POSTGRES_URL: postgresUrl },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const report = JSON.parse(readFileSync(outputFile, "utf8"));
    counts = {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
    };
    if (report.numTotalTests === 0) counts.failed += 1;
  } catch {
    counts.failed += 1;
  }
  // a file that fails to load fails no test but still fails the run
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  if (counts.failed > 0) failed = true;
  summaries.push({ target, seconds, ...counts, status: run.status });
}

console.log("\n=== summary ===");
const total = { passed: 0, failed: 0, skipped: 0 };
for (const summary of summaries) {
  if (summary.skipped === true) {
    console.log(`${summary.target}: SKIPPED (PostgreSQL not reachable)`);
    continue;
  }
  total.passed += summary.passed;
  total.failed += summary.failed;
  total.skipped += summary.skipped;
  console.log(
    `${summary.target}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${summary.seconds.toFixed(1)} s`,
  );
}
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(failed ? 1 : 0);
