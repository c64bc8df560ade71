import { createDatabase, migrations } from "@registrar/db";
import { createTestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";
import { TcpProxy } from "./tcp-proxy.ts";

/**
 * Server processes started together on an empty PostgreSQL database: every one becomes
 * ready, each migration is applied once, and knex's lock table is left as knex needs it
 * (one unlocked row). Without the migration lock, two processes starting together could
 * both create knex's tables (one died: "relation knex_migrations already exists") or both
 * insert its lock row (then every later start failed: "Migration table is already locked").
 *
 * Processes take seconds to load on a busy machine, more than the migration takes, so
 * started together they would seldom reach the database together. They reach it through
 * a proxy that holds every connection until each process has opened one, then lets all
 * of them through at once.
 */

const target = testDatabaseTarget();
const SERVERS = 5;
const ROUNDS = 10;

if (target.kind === "pglite") {
  describe("simultaneous starts: does not apply on PGlite (one process owns an embedded database; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log(
        "NOTICE: the simultaneous-start test runs only on PostgreSQL (REGISTRAR_TEST_DB=postgres).",
      );
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe(`${SERVERS} server processes starting at once on an empty PostgreSQL database`, () => {
    for (let round = 1; round <= ROUNDS; round++) {
      it(`round ${round} of ${ROUNDS}: all ready, each migration once, one unlocked lock row`, async () => {
        const fresh = await createTestDatabase({ migrated: false });
        const url = fresh.url ?? "";
        const direct = new URL(url);
        const gate = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
        const servers: ServerProcess[] = [];
        try {
          gate.hold();
          const starts = Array.from({ length: SERVERS }, () =>
            // a connect timeout long enough to wait at the gate while the others load
            startServerProcess(gate.urlFor(url), {
              DATABASE_POOL_MAX: "2",
              DATABASE_CONNECT_TIMEOUT_MS: "60000",
            }),
          );
          // a process that dies before it reaches the gate ends the wait (and fails below)
          await Promise.race([gate.whenHeld(SERVERS), Promise.all(starts)]).catch(() => {});
          gate.release();
          const started = await Promise.allSettled(starts);
          for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
          const failures = started.flatMap((result) =>
            result.status === "rejected" ? [String(result.reason).slice(0, 2_000)] : [],
          );
          expect(failures).toEqual([]);

          // a fresh pool, so nothing is read through a connection the servers' migration used
          const check = createDatabase({ kind: "postgres", url, poolMax: 1 });
          try {
            const applied = await check.raw<{ rows: Array<{ name: string }> }>(
              "select name from knex_migrations order by id",
            );
            expect(applied.rows.map((row) => row.name)).toEqual(migrations.map(([name]) => name));
            const lock = await check.raw<{ rows: Array<{ isLocked: number }> }>(
              `select is_locked as "isLocked" from knex_migrations_lock`,
            );
            expect(lock.rows).toEqual([{ isLocked: 0 }]);
          } finally {
            await check.destroy();
          }
          // and each of them serves
          for (const server of servers) {
            const response = await fetch(`${server.baseUrl}/students`);
            expect(response.status).toBe(200);
            await response.body?.cancel();
          }
        } finally {
          await Promise.all(servers.map((server) => server.kill()));
          await gate.close();
          await fresh.drop();
        }
      }, 90_000);
    }
  });
}
