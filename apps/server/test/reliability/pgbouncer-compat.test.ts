import { createDatabase } from "@registrar/db";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { type PgBouncer, pgbouncerAvailable, startPgBouncer } from "./pgbouncer.ts";
import { startServerProcess } from "./server-process.ts";

/**
 * Transaction-mode PgBouncer keeps no session state for a client between transactions.
 * Registrar's only session state is the named prepared statements of its hot reads;
 * DATABASE_PREPARED_STATEMENTS=off (preparedStatements: false) must leave none behind,
 * and with the default (on) behind a PgBouncer that does not track them (before 1.21)
 * the server must notice on its own and never answer 500 for it.
 */

const target = testDatabaseTarget();

if (target.kind === "pglite") {
  describe("PgBouncer compatibility: does not apply on PGlite (no connection pooler in front of an embedded database; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log(
        "NOTICE: the PgBouncer compatibility test runs only on PostgreSQL (REGISTRAR_TEST_DB=postgres).",
      );
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("PgBouncer compatibility: session state of a connection", () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
      await database.db.raw("insert into students (name, email) values ('Ada', 'ada@pgbouncer.test')");
    });

    afterAll(async () => {
      await database?.drop();
    });

    for (const preparedStatements of [true, false]) {
      it(`preparedStatements ${preparedStatements ? "on: hot reads are prepared" : "off: nothing is prepared"}`, async () => {
        // One connection, so the check below runs in the session the requests used.
        const db = createDatabase({
          kind: "postgres",
          url: database.url ?? "",
          poolMax: 1,
          preparedStatements,
        });
        try {
          const app = createApp({ db });
          for (const path of ["/students", "/students/1", "/students/1/courses", "/courses"]) {
            const response = await app.request(path);
            expect(response.status, path).toBeLessThan(300);
          }
          const prepared = await db.raw<{ rows: Array<{ n: number }> }>(
            "select count(*)::int as n from pg_prepared_statements where name like 'registrar_%'",
          );
          const count = prepared.rows[0]?.n ?? 0;
          if (preparedStatements) expect(count).toBeGreaterThan(0);
          else expect(count).toBe(0);
        } finally {
          await db.destroy();
        }
      });
    }
  });

  describe.runIf(pgbouncerAvailable())(
    "behind PgBouncer in transaction mode, DATABASE_PREPARED_STATEMENTS left at its default",
    () => {
      let database: TestDatabase;
      let bouncer: PgBouncer;

      beforeAll(async () => {
        database = await createTestDatabase();
        await database.db.raw(
          "insert into students (name, email) select 'S' || g, 's' || g || '@bouncer.test' from generate_series(1, 30) g",
        );
        await database.db.raw(
          "insert into courses (name, level, capacity) select 'C' || g, 'beginner', null from generate_series(1, 10) g",
        );
        await database.db.raw(
          "insert into student_courses (student_id, course_id) select s, c from generate_series(1, 30) s, generate_series(1, 10) c where (s + c) % 3 = 0",
        );
        const direct = new URL(database.url ?? "");
        bouncer = await startPgBouncer({
          host: direct.hostname,
          port: Number(direct.port || 5432),
          user: decodeURIComponent(direct.username || "postgres"),
        });
      });

      afterAll(async () => {
        await bouncer?.stop();
        await database?.drop();
      });

      const reads = [
        "/students",
        "/students/3",
        "/students/2/courses",
        "/courses",
        "/courses/1",
        "/courses/1/students",
        `/trpc/students.byId?input=${encodeURIComponent(JSON.stringify({ id: 5 }))}`,
        `/trpc/enrollments.list?input=${encodeURIComponent(JSON.stringify({ studentId: 4 }))}`,
      ];

      // Each round a new server process: its first reads find the statements that the last
      // one left in PgBouncer's server sessions, or miss the ones it prepared itself.
      for (let round = 1; round <= 3; round++) {
        it(`round ${round}: 2,400 concurrent reads, 0 5xx, one warning that prepared statements were turned off`, async () => {
          const server = await startServerProcess(bouncer.urlFor(database.url ?? ""), {
            DATABASE_POOL_MAX: "8",
          });
          try {
            const statuses: Record<number, number> = {};
            let next = 0;
            const total = 2_400;
            await Promise.all(
              Array.from({ length: 32 }, async () => {
                while (next < total) {
                  const path = reads[next++ % reads.length] ?? "/students";
                  const response = await fetch(`${server.baseUrl}${path}`);
                  await response.arrayBuffer();
                  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
                }
              }),
            );
            expect(statuses, `${server.output()}\n${bouncer.output()}`).toEqual({ 200: total });
            const lines = server.output().split("\n");
            const warnings = lines.filter((line) => line.includes("prepared statements turned off"));
            expect(warnings, server.output()).toHaveLength(1);
            expect(warnings[0]).toMatch(/SQLSTATE (42P05|26000)/);
            expect(
              lines.filter((line) => line.includes('"level":50')),
              server.output(),
            ).toEqual([]);
          } finally {
            await server.kill();
          }
        }, 60_000);
      }
    },
  );
}
