import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedStartParams, pgliteExtensions } from "@registrar/db";
import {
  freePort,
  repoRoot,
  rssOfDescendant,
  serverEntry,
  startServer,
  stopProcess,
  waitUntilReady,
} from "./processes.ts";
import { median } from "./statistics.ts";

export type ColdStart = {
  /**
   * `pnpm start` (the bundled server) on a PGlite directory that already exists (migrated),
   * to the first 200 of /health/ready: the median of three, after one untimed start.
   */
  pnpmStartMs: number;
  /**
   * The floor of a cold start: a plain node process that opens the same directory with
   * PGlite alone (the server's start parameters and extension) and answers one `select 1`,
   * from spawn to that answer; the median of three, each run just before a timed
   * `pnpm start`. What the server adds beyond it is its own code: modules, migration check,
   * the HTTP listen and the first request.
   */
  embeddedFloorMs: number;
  /** From the TypeScript sources, without pnpm: `node --import tsx apps/server/src/main.ts`. */
  nodeStartMs: number;
  /** First start on an empty directory (initdb + migrations), for comparison. */
  firstStartMs: number;
  /** RSS of the PGlite-backed server process (from the TypeScript sources), idle after start. */
  idleRssBytes: number;
  /**
   * RSS of the server `pnpm start` runs (the bundle), idle 5 s after /health/ready: on an
   * existing directory (the median start's), and after the first start on an empty one.
   */
  pnpmIdleRssBytes: number;
  pnpmFirstStartIdleRssBytes: number;
  /**
   * Sequential POST /students on the embedded database, one connection, per second: each is
   * a commit that waits for fsync(2) (packages/db/src/durable-nodefs.ts).
   */
  pgliteWritesPerSecond: number;
};

const pgliteWrites = 300;

async function sequentialWrites(baseUrl: string, count: number): Promise<number> {
  const run = Date.now();
  const post = async (index: number) => {
    const response = await fetch(`${baseUrl}/students`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: `Bench ${index}`, email: `bench-${run}-${index}@writes.test` }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`POST /students answered ${response.status}`);
  };
  for (let index = 0; index < 20; index++) await post(-1 - index);
  const started = performance.now();
  for (let index = 0; index < count; index++) await post(index);
  return count / ((performance.now() - started) / 1000);
}

const quietEnv = { LOG_LEVEL: "warn", AUTH: "off", RATE_LIMIT_PER_MINUTE: "0" };

/**
 * How long `pnpm start` takes to answer `/health/ready` on an existing embedded data
 * directory. The directory is prepared by one first start (which runs initdb and the
 * migrations); then the server is started again on it.
 */
export async function measureColdStart(pnpmCommand: string[]): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), "registrar-bench-pglite-"));
  try {
    const env = { ...quietEnv, PGLITE_DIR: dir };
    let started = performance.now();
    const first = await startServer({ name: "registrar (first start)", entry: serverEntry, env });
    const firstStartMs = performance.now() - started;
    await first.stop();

    started = performance.now();
    const direct = await startServer({ name: "registrar (node)", entry: serverEntry, env });
    const nodeStartMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idleRssBytes = direct.rss();
    const pgliteWritesPerSecond = await sequentialWrites(direct.baseUrl, pgliteWrites);
    await direct.stop();

    // The first `pnpm start` may build the web UI or the server bundle (their sources
    // changed since the last build): that is a build, not a start. Then the median of three.
    await timePnpmStart(pnpmCommand, dir);
    const runs: Array<{ ms: number; idleRssBytes: number }> = [];
    const floors: number[] = [];
    for (let run = 0; run < 3; run++) {
      floors.push(await timePgliteAlone(dir));
      runs.push(await timePnpmStart(pnpmCommand, dir));
    }
    const medianRun = runs.sort((a, b) => a.ms - b.ms)[1];
    const embeddedFloorMs = median(floors);
    const emptyDir = mkdtempSync(join(tmpdir(), "registrar-bench-pglite-"));
    let pnpmFirstStartIdleRssBytes: number;
    try {
      pnpmFirstStartIdleRssBytes = (await timePnpmStart(pnpmCommand, emptyDir)).idleRssBytes;
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
    return {
      pnpmStartMs: medianRun?.ms ?? Number.NaN,
      embeddedFloorMs,
      nodeStartMs,
      firstStartMs,
      idleRssBytes,
      pnpmIdleRssBytes: medianRun?.idleRssBytes ?? 0,
      pnpmFirstStartIdleRssBytes,
      pgliteWritesPerSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * PGlite's own part of a start, run as plain JavaScript (`node --input-type=module`) from the
 * server's folder, where its PGlite and its contrib extensions resolve: the server's
 * extensions (`pgliteExtensions`, by name) and start parameters come in as arguments. Ends
 * with the answer's line on stdout.
 */
const pgliteAloneSource = `
import { PGlite } from "@electric-sql/pglite";
const [dataDir, params, names] = process.argv.slice(1);
const extensions = {};
for (const name of JSON.parse(names)) {
  extensions[name] = (await import("@electric-sql/pglite/contrib/" + name))[name];
}
const db = new PGlite({ dataDir, extensions, startParams: JSON.parse(params) });
await db.query("select 1");
process.stdout.write("answered\\n");
await db.close();
`;

async function timePgliteAlone(dir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      pgliteAloneSource,
      dir,
      JSON.stringify(embeddedStartParams),
      JSON.stringify(Object.keys(pgliteExtensions)),
    ],
    { cwd: join(repoRoot, "apps", "server"), stdio: ["ignore", "pipe", "inherit"] },
  );
  // Listened for from the spawn on, so an exit before the answer is never missed.
  const exited = once(child, "exit");
  const answeredAt = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("answered")) resolve(performance.now());
    });
    exited.then(([code]) => reject(new Error(`PGlite alone exited with ${code} before answering`)), reject);
  });
  await exited;
  return answeredAt - started;
}

async function timePnpmStart(
  pnpmCommand: string[],
  dir: string,
): Promise<{ ms: number; idleRssBytes: number }> {
  const port = await freePort();
  const [command, ...args] = pnpmCommand;
  if (!command) throw new Error("no pnpm command");
  const started = performance.now();
  // Its own process group: pnpm runs scripts/start.mjs, which runs the server; stopping signals all.
  const child = spawn(command, [...args, "start"], {
    cwd: repoRoot,
    // DATABASE_URL empty: the embedded database even when the caller's shell points elsewhere.
    env: { ...process.env, ...quietEnv, DATABASE_URL: "", PGLITE_DIR: dir, PORT: String(port) },
    stdio: "ignore",
    detached: true,
  });
  try {
    await waitUntilReady(`http://127.0.0.1:${port}`, 30_000, child);
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return {
      ms,
      idleRssBytes: child.pid === undefined ? 0 : rssOfDescendant(child.pid, "scripts/start.mjs"),
    };
  } finally {
    await stopProcess(child, { group: true });
  }
}
