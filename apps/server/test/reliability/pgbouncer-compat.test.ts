import { createDatabase } from "@registrar/db";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

/**
 * Transaction-mode PgBouncer keeps no session state for a client between transactions.
 * Registrar's only session state is the named prepared statements of its hot reads;
 * DATABASE_PREPARED_STATEMENTS=off (preparedStatements: false) must leave none behind.
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
}
