import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "./database.ts";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "./testing.ts";

/**
 * Named prepared statements on `pg`, and what happens when one is not where pg's client
 * left it (as behind a transaction-mode pooler that does not track them): the query is
 * answered anyway, unnamed, and the pool stops preparing, with one warning.
 */

const target = testDatabaseTarget();

if (target.kind === "pglite") {
  describe("pg client prepared statements: do not apply on PGlite (it ignores statement names; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log("NOTICE: the pg client prepared-statement tests run only on PostgreSQL.");
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("pg client prepared statements", () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    /** One connection, so a check runs in the session the queries used. */
    function oneConnection(): { db: Database; warnings: string[] } {
      const warnings: string[] = [];
      const db = createDatabase({
        kind: "postgres",
        url: database.url ?? "",
        poolMax: 1,
        log: { warn: (message) => warnings.push(message), error: () => {} },
      });
      return { db, warnings };
    }

    async function preparedNames(db: Database): Promise<string[]> {
      const result = await db.raw<{ rows: Array<{ name: string }> }>(
        "select name from pg_prepared_statements order by name",
      );
      return result.rows.map((row) => row.name);
    }

    async function one(db: Database, name: string, value: number): Promise<number | undefined> {
      const result = await db
        .raw<{ rows: Array<{ n: number }> }>(`select ${value}::int as n`)
        .options({ name });
      return result.rows[0]?.n;
    }

    it("prepares a named statement outside a transaction, never inside one", async () => {
      const { db, warnings } = oneConnection();
      try {
        await db.transaction(async (trx) => {
          const result = await trx.raw<{ rows: Array<{ n: number }> }>("select 7::int as n").options({
            name: "t_inside",
          });
          expect(result.rows[0]?.n).toBe(7);
        });
        expect(await preparedNames(db)).toEqual([]);
        expect(await one(db, "t_outside", 8)).toBe(8);
        expect(await preparedNames(db)).toEqual(["t_outside"]);
        expect(warnings).toEqual([]);
      } finally {
        await db.destroy();
      }
    });

    it('"does not exist" (26000): answered unnamed, then nothing is prepared any more, one warning', async () => {
      const { db, warnings } = oneConnection();
      try {
        expect(await one(db, "t_lost", 1)).toBe(1);
        // the session loses it behind pg's back, as when a pooler hands over another session
        await db.raw("deallocate t_lost");
        expect(await one(db, "t_lost", 1)).toBe(1);
        expect(await one(db, "t_lost", 1)).toBe(1);
        expect(await one(db, "t_new", 2)).toBe(2);
        expect(await preparedNames(db)).toEqual([]);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("prepared statements turned off");
        expect(warnings[0]).toContain("SQLSTATE 26000");
      } finally {
        await db.destroy();
      }
    });

    it('"already exists" (42P05): answered unnamed, one warning for many failures at once', async () => {
      const warnings: string[] = [];
      const db = createDatabase({
        kind: "postgres",
        url: database.url ?? "",
        poolMax: 4,
        log: { warn: (message) => warnings.push(message), error: () => {} },
      });
      try {
        // every session of the pool already holds the name, as when another client prepared it there
        await Promise.all(
          Array.from({ length: 4 }, () =>
            db.transaction(async (trx) => {
              await trx.raw("prepare t_taken as select 3::int as n");
              await trx.raw("select pg_sleep(0.05)");
            }),
          ),
        );
        const answers = await Promise.all(Array.from({ length: 20 }, () => one(db, "t_taken", 3)));
        expect(answers).toEqual(Array(20).fill(3));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("SQLSTATE 42P05");
      } finally {
        await db.destroy();
      }
    });
  });
}
