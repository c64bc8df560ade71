import { describe, expect, it } from "vitest";
import { createDatabase, type Database } from "./database.ts";
import {
  MIGRATION_LOCK,
  MigrationLockStuck,
  MigrationRunning,
  migrateToLatest,
  rollbackLastMigration,
  unlockMigrations,
} from "./migrate.ts";
import { migrations } from "./migrations/index.ts";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "./testing.ts";

const target = testDatabaseTarget();
const names = migrations.map(([name]) => name);

/** On PostgreSQL, each starter is its own pool, as a separate server process would be. */
const STARTERS = 6;
const ROUNDS = target.kind === "postgres" ? 20 : 4;

async function withFreshDatabase(use: (fresh: TestDatabase) => Promise<void>): Promise<void> {
  const fresh = await createTestDatabase({ migrated: false });
  try {
    await use(fresh);
  } finally {
    await fresh.drop();
  }
}

/** A pool of its own on the test's PostgreSQL database (on PGlite, the one instance). */
function anotherPool(fresh: TestDatabase): Database {
  return fresh.url ? createDatabase({ kind: "postgres", url: fresh.url, poolMax: 2 }) : fresh.db;
}

async function lockRows(db: Database): Promise<Array<{ isLocked: number }>> {
  const result = await db.raw<{ rows: Array<{ isLocked: number }> }>(
    `select is_locked as "isLocked" from knex_migrations_lock`,
  );
  return result.rows;
}

async function appliedNames(db: Database): Promise<string[]> {
  const result = await db.raw<{ rows: Array<{ name: string }> }>(
    "select name from knex_migrations order by id",
  );
  return result.rows.map((row) => row.name);
}

/** What an older Registrar could leave behind: two starts that both inserted knex's lock row. */
async function brickLockTable(db: Database): Promise<void> {
  await db.raw("create table knex_migrations_lock (index serial primary key, is_locked integer)");
  await db.raw("insert into knex_migrations_lock (is_locked) values (0), (0)");
}

describe(`migrations under the migration lock on ${target.kind}`, () => {
  it(`${ROUNDS} rounds of ${STARTERS} migrateToLatest at once on an empty database: each migration once, knex's lock table intact`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await withFreshDatabase(async (fresh) => {
        const starters = Array.from({ length: STARTERS }, () => anotherPool(fresh));
        try {
          const results = await Promise.allSettled(starters.map((db) => migrateToLatest(db)));
          const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
          expect(failures, `round ${round}`).toEqual([]);
          const applied = results.flatMap((result) => (result.status === "fulfilled" ? result.value : []));
          // one starter applied them all; the others found nothing to do
          expect(applied, `round ${round}`).toEqual(names);
          expect(await appliedNames(fresh.db), `round ${round}`).toEqual(names);
          expect(await lockRows(fresh.db), `round ${round}`).toEqual([{ isLocked: 0 }]);
        } finally {
          if (fresh.url) await Promise.all(starters.map((db) => db.destroy()));
        }
      });
    }
    // every round migrates a fresh database from nothing: ~17 s for the 20 on a quiet
    // 2-core machine, more beside the rest of the suite; the limit only catches a hang
  }, 180_000);

  it("refuses a stuck lock table with the command that clears it; unlock clears it; then migrate and rollback run", async () => {
    await withFreshDatabase(async (fresh) => {
      await brickLockTable(fresh.db);
      const refused = await migrateToLatest(fresh.db).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MigrationLockStuck);
      expect((refused as Error).message).toContain("pnpm db:unlock");
      await expect(rollbackLastMigration(fresh.db)).rejects.toBeInstanceOf(MigrationLockStuck);
      // the refusal changed nothing
      expect(await fresh.db.schema.hasTable("knex_migrations")).toBe(false);

      expect(await unlockMigrations(fresh.db)).toEqual({ unlocked: true, rows: 2, locked: 0 });
      expect(await lockRows(fresh.db)).toEqual([{ isLocked: 0 }]);
      expect(await unlockMigrations(fresh.db)).toEqual({ unlocked: false, reason: "not locked" });

      expect(await migrateToLatest(fresh.db)).toEqual(names);
      expect(await rollbackLastMigration(fresh.db)).toEqual(names.slice(-1));
      expect(await migrateToLatest(fresh.db)).toEqual(names.slice(-1));
      expect(await lockRows(fresh.db)).toEqual([{ isLocked: 0 }]);
      // knex's migrator changes the pool's settings while it works: not on this pool. Plain knex
      // answers columns as they are; the casing boundary is in the models (RegistrarModel).
      const [student] = await fresh.db("students").insert({ name: "Ada", email: "ada@x.org" }).returning("*");
      expect(student).toHaveProperty("created_at");
    });
  });

  it("unlock on a database that never migrated has nothing to do", async () => {
    await withFreshDatabase(async (fresh) => {
      expect(await unlockMigrations(fresh.db)).toEqual({ unlocked: false, reason: "no lock table" });
    });
  });
});

if (target.kind === "pglite") {
  describe("a migration in another session: does not apply on PGlite (one connection, one process; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log("NOTICE: the other-session migration lock tests run only on PostgreSQL.");
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("a migration in another session on PostgreSQL", () => {
    it("a start waits while another session holds the migration lock, then migrates; unlock refuses meanwhile and names the holder", async () => {
      await withFreshDatabase(async (fresh) => {
        const other = anotherPool(fresh);
        const starter = anotherPool(fresh);
        try {
          const holding = await other.transaction();
          await holding.raw("select pg_advisory_xact_lock(?, ?)", [
            MIGRATION_LOCK.classId,
            MIGRATION_LOCK.objectId,
          ]);
          const holderPid = (
            await holding.raw<{ rows: Array<{ pid: number }> }>("select pg_backend_pid() as pid")
          ).rows[0]?.pid;
          let settled = false;
          const start = migrateToLatest(starter).finally(() => {
            settled = true;
          });

          const refused = await unlockMigrations(fresh.db).catch((error: unknown) => error);
          expect(refused).toBeInstanceOf(MigrationRunning);
          expect((refused as MigrationRunning).holder?.pid).toBe(holderPid);
          expect((refused as Error).message).toContain(`pid ${holderPid} (registrar)`);
          // several polls later the start is still waiting: nothing migrated under the holder
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          expect(settled).toBe(false);
          expect(await fresh.db.schema.hasTable("knex_migrations")).toBe(false);

          await holding.commit();
          expect(await start).toEqual(names);
          expect(await lockRows(fresh.db)).toEqual([{ isLocked: 0 }]);
        } finally {
          await Promise.all([other.destroy(), starter.destroy()]);
        }
      });
    });

    it("unlock refuses while a transaction holds knex's lock row (a migration outside Registrar's lock)", async () => {
      await withFreshDatabase(async (fresh) => {
        await brickLockTable(fresh.db);
        const other = anotherPool(fresh);
        try {
          const knexMigrating = await other.transaction();
          await knexMigrating.raw("update knex_migrations_lock set is_locked = 1 where index = 1");
          await expect(unlockMigrations(fresh.db)).rejects.toBeInstanceOf(MigrationRunning);
          await knexMigrating.rollback();
          expect(await unlockMigrations(fresh.db)).toEqual({ unlocked: true, rows: 2, locked: 0 });
        } finally {
          await other.destroy();
        }
      });
    });
  });
}
