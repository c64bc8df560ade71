import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { createTestDatabase, createTestDataDir, type TestDatabase } from "@registrar/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./server-process.ts";

/**
 * `pnpm start` as pnpm runs it (`sh -c` with the root package.json's start script, i.e.
 * scripts/start.mjs, which runs the bundled server in itself), in a process group of its own, as a
 * terminal or systemd would hold it. A signal to the whole group reaches the server directly
 * and, under pnpm, through pnpm too; it used to count as "second signal: cut now" and drop
 * every request in flight. It must drain exactly as one signal to the server does, and the
 * script must exit 0 (pnpm prints `ELIFECYCLE Command failed` for anything else, as it did
 * after every Ctrl-C: dash, between pnpm and node, killed itself with SIGINT).
 */

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const startScript = (
  JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { scripts: { start: string } }
).scripts.start;

/** What the start script sets unless the caller has (scripts/start.mjs says why). */
const mallocSettings = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"];

/** Requests held open mid-body across the signal. */
const IN_FLIGHT = 6;

let database: TestDatabase | undefined;
/** PGlite: a migrated data directory for each start (a fresh one would cost an initdb each time). */
const dirs: string[] = [];
let running: ChildProcess | undefined;

beforeAll(async () => {
  if (process.env.REGISTRAR_TEST_DB === "postgres") database = await createTestDatabase();
});
afterEach(() => {
  // Whatever is left of the group when a test failed half-way (its leader may be gone while
  // the server lives on), so no server outlives the test; nothing left: ESRCH.
  if (!running?.pid) return;
  try {
    process.kill(-running.pid, "SIGKILL");
  } catch {}
  running = undefined;
});
afterAll(async () => {
  await database?.drop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

type Started = {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

async function startLikePnpm(env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const inherited = { ...process.env };
  for (const name of ["DATABASE_URL", "PGLITE_DIR", "REDIS_URL", "NODE_ENV", "INIT_CWD", ...mallocSettings])
    delete inherited[name];
  if (!database) dirs.push(await createTestDataDir());
  const child = spawn("sh", ["-c", startScript], {
    cwd: root,
    detached: true, // its own process group, with this sh as the leader
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...inherited,
      ...(database?.url ? { DATABASE_URL: database.url } : { PGLITE_DIR: dirs.at(-1) ?? "" }),
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH: "off",
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "info",
      ...env,
    },
  });
  running = child;
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // the first start may build the web UI and the server bundle
  const deadline = Date.now() + 170_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`start exited:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return { child, port, output: () => output, exited };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not ready in time:\n${output}`);
}

type Held = { finish(): void; answer: Promise<{ status: number | undefined; error: string | undefined }> };

/** A POST /students whose headers and half its body are sent now, the rest on `finish()`. */
async function holdRequest(port: number, index: number): Promise<Held> {
  const body = JSON.stringify({ name: `Held ${index}`, email: `held-${index}-${Date.now()}@signals.test` });
  const half = Math.floor(body.length / 2);
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  const answer = new Promise<{ status: number | undefined; error: string | undefined }>((resolve) => {
    socket.once("error", (error) => resolve({ status: undefined, error: error.message }));
    socket.once("close", () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({
        status: status ? Number(status) : undefined,
        error: status ? undefined : `closed: ${received}`,
      });
    });
  });
  socket.write(
    `POST /students HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    finish: () => {
      socket.write(body.slice(half));
      // the server answers `Connection: close` while draining; close our side once answered
      socket.once("data", () => socket.end());
    },
    answer,
  };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An environment variable of the running process `pid`, as it was handed at its exec. */
function environmentOf(pid: number, name: string): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return entries.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe(`pnpm start and stop signals (${process.env.REGISTRAR_TEST_DB ?? "pglite"})`, () => {
  const cases: Array<{ name: string; signal: NodeJS.Signals; group: boolean }> = [
    { name: "SIGTERM to the process group (systemd, kill -TERM -<pgid>)", signal: "SIGTERM", group: true },
    { name: "SIGINT to the process group (Ctrl-C in a terminal)", signal: "SIGINT", group: true },
    { name: "SIGTERM to the wrapper alone (kill -TERM <pid>)", signal: "SIGTERM", group: false },
  ];
  for (const { name, signal, group } of cases) {
    it(`${name}: every request in flight completes 2xx, then exit 0 with one line`, async () => {
      const started = await startLikePnpm();
      const pid = started.child.pid ?? 0;
      // the script's exec chain (sh, env, node) keeps the pid: this is the server itself,
      // with glibc's malloc thresholds fixed (scripts/start.mjs says why)
      for (const name of mallocSettings) expect(environmentOf(pid, name), name).toBe("1048576");
      const held = await Promise.all(
        Array.from({ length: IN_FLIGHT }, (_, index) => holdRequest(started.port, index)),
      );
      await settle(300); // the server has read every request's headers
      process.kill(group ? -pid : pid, signal);
      await settle(500); // every copy of the signal has arrived
      for (const request of held) request.finish();
      const answers = await Promise.all(held.map((request) => request.answer));
      const exit = await started.exited;
      expect(answers, started.output()).toEqual(Array(IN_FLIGHT).fill({ status: 201, error: undefined }));
      expect(exit, started.output()).toEqual({ code: 0, signal: null });
      expect(started.output()).not.toContain("closing the remaining connections now");
      expect(started.output().match(/^ {2}Registrar stopped \(SIG(TERM|INT)\)/gm)).toHaveLength(1);
    }, 200_000);
  }

  it("a stop signal sent again later cuts the requests still in flight at once", async () => {
    const started = await startLikePnpm({
      SHUTDOWN_TIMEOUT_MS: "60000",
      REQUEST_TIMEOUT_MS: "60000",
      MALLOC_TRIM_THRESHOLD_: "262144",
    });
    const pid = started.child.pid ?? 0;
    // an operator's own setting is kept, and the other still given
    expect(environmentOf(pid, "MALLOC_TRIM_THRESHOLD_")).toBe("262144");
    expect(environmentOf(pid, "MALLOC_MMAP_THRESHOLD_")).toBe("1048576");
    const held = await Promise.all(Array.from({ length: 2 }, (_, index) => holdRequest(started.port, index)));
    await settle(300);
    process.kill(-pid, "SIGTERM");
    await settle(1_500); // past the window in which copies count as one signal
    const signalledAgainAt = performance.now();
    process.kill(-pid, "SIGTERM");
    const answers = await Promise.all(held.map((request) => request.answer));
    const exit = await started.exited;
    // bounded well under SHUTDOWN_TIMEOUT_MS and REQUEST_TIMEOUT_MS (60 s)
    expect(performance.now() - signalledAgainAt).toBeLessThan(10_000);
    expect(answers.every((answer) => answer.status === undefined)).toBe(true);
    expect(exit, started.output()).toEqual({ code: 0, signal: null });
    expect(started.output()).toContain("closing the remaining connections now");
  }, 200_000);
});
