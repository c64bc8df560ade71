import { rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import {
  createTestDatabase,
  createTestDataDir,
  type TestDatabase,
  testDatabaseTarget,
} from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

/**
 * SIGTERM in the middle of a burst: the real server process (the bundle `pnpm start` runs) stops accepting,
 * finishes every request it had already received, closes its pool and exits 0. "Dropped"
 * means a request that was fully written before the signal and did not get a complete 2xx.
 */

const BURST = 400;
/** Like a load balancer: a few keep-alive connections, requests queue behind them. */
const SOCKETS = 24;

type Sent = {
  index: number;
  method: string;
  /** When the whole request had been handed to the socket; undefined if it never was. */
  writtenAt: number | undefined;
  status: number | undefined;
  body: string;
  error: string | undefined;
  /** Whether it went over a kept-alive connection (for failure messages). */
  reused?: boolean;
};

function send(agent: Agent, baseUrl: string, index: number, run: string): Promise<Sent> {
  const write = index % 3 !== 2;
  const payload = write
    ? JSON.stringify({ name: `Burst ${index}`, email: `burst-${run}-${index}@shutdown.test` })
    : undefined;
  const url = new URL(write ? "/students" : "/courses?limit=5", baseUrl);
  const sent: Sent = {
    index,
    method: write ? "POST" : "GET",
    writtenAt: undefined,
    status: undefined,
    body: "",
    error: undefined,
  };
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      {
        agent,
        method: sent.method,
        headers: payload
          ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        sent.status = res.statusCode;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          sent.body += chunk;
        });
        res.on("end", () => resolve(sent));
        res.on("error", (error) => {
          sent.error = error.message;
          resolve(sent);
        });
      },
    );
    req.on("finish", () => {
      sent.writtenAt = performance.now();
      sent.reused = req.reusedSocket;
    });
    req.on("error", (error) => {
      sent.error = error.message;
      resolve(sent);
    });
    req.end(payload);
  });
}

describe("graceful shutdown of the real server process", () => {
  // PostgreSQL: a database of its own; PGlite: a migrated data directory for each server
  let database: TestDatabase | undefined;
  const dirs: string[] = [];
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    if (testDatabaseTarget().kind === "postgres") database = await createTestDatabase();
  });

  afterAll(async () => {
    await server?.kill();
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function where(): Promise<string> {
    if (database?.url) return database.url;
    const dir = await createTestDataDir();
    dirs.push(dir);
    return dir;
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} during a burst of ${BURST} requests: no request dropped, exit code 0`, async () => {
      server = await startServerProcess(await where(), {
        SHUTDOWN_TIMEOUT_MS: "10000",
        LOG_LEVEL: "info",
      });
      const current = server;
      const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
      let signalledAt = Number.POSITIVE_INFINITY;
      let answered = 0;
      const burst = Array.from({ length: BURST }, (_, index) =>
        send(agent, current.baseUrl, index, signal).then((sent) => {
          answered++;
          // Mid-burst: some answered, many in flight on the sockets, more queued.
          if (answered === 60) {
            signalledAt = performance.now();
            current.child.kill(signal);
          }
          return sent;
        }),
      );
      const results = await Promise.all(burst);
      const exit = await current.exited;
      agent.destroy();

      const before = results.filter((sent) => sent.writtenAt !== undefined && sent.writtenAt < signalledAt);
      const dropped = before.filter(
        (sent) =>
          sent.error !== undefined || sent.status === undefined || sent.status >= 300 || !isJson(sent.body),
      );
      const after = results.length - before.length;
      const refusedAfter = results.filter(
        (sent) => !before.includes(sent) && sent.error !== undefined,
      ).length;
      console.log(
        `[shutdown] ${signal}: ${before.length} requests written before the signal, ${dropped.length} dropped; ` +
          `${after} after it (${refusedAfter} refused, the rest answered); exit ${exit.code}`,
      );
      expect(
        dropped.map((sent) => ({
          ...sent,
          body: sent.body.slice(0, 200),
          msBeforeSignal: signalledAt - (sent.writtenAt ?? 0),
        })),
        current.output().slice(-5_000),
      ).toEqual([]);
      expect(before.length).toBeGreaterThan(60);
      expect(exit, current.output()).toEqual({ code: 0, signal: null });
      expect(current.output()).toContain("stopped");

      if (database) {
        // Every 201 is a row, and no row exists without its 201.
        const created = results.filter((sent) => sent.method === "POST" && sent.status === 201).length;
        const rows = await database.db.raw<{ rows: Array<{ n: number }> }>(
          "select count(*)::int as n from students where email like ?",
          [`burst-${signal}-%@shutdown.test`],
        );
        expect(rows.rows[0]?.n).toBe(created);
      }
    }, 120_000);
  }
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
