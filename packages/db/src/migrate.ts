import type { Knex } from "knex";
import { type Database, takeAppliedAtCreation } from "./database.ts";
import { migrations } from "./migrations/index.ts";

/**
 * Migrations run one process at a time, under a PostgreSQL advisory lock.
 *
 * knex's own protection is not enough for processes that start together on an empty
 * database: it looks its two tables up, creates them and inserts the lock table's row
 * outside any transaction, so two processes can both create `knex_migrations` (one dies
 * with "already exists") or both insert a lock row (then knex's `rowCount !== 1` check says
 * "Migration table is already locked" forever).
 *
 * So every migrate and rollback is one transaction on one connection that first takes
 * `pg_try_advisory_xact_lock(MIGRATION_LOCK)` and then does all of knex's work inside the
 * same transaction, tables and lock row included. A transaction-level lock because
 * Registrar keeps no session state (PgBouncer in transaction mode hands each transaction
 * any server connection, so a session lock could be taken on one server connection and
 * "released" on another); a transaction stays on one server connection there, and its lock
 * goes with its COMMIT or ROLLBACK, also when the process is killed. DDL is transactional
 * in PostgreSQL, so a process killed half-way leaves nothing half-made and no lock behind.
 *
 * Waiting is a poll of the non-blocking form, not a blocking `pg_advisory_xact_lock`: a
 * blocking wait would count against `statement_timeout` and pg's client-side query timeout
 * (15 s and 20 s by default), and a migration may take longer. Each poll is one instant
 * statement, so the waiting transaction is never idle long enough for
 * `idle_in_transaction_session_timeout`.
 *
 * PGlite is one connection in one process, so nobody can hold the lock there; the same
 * code runs on it (advisory locks work on PGlite too).
 */
export const MIGRATION_LOCK = {
  /** 'regi' in ASCII: the lock space of Registrar. */
  classId: 0x72656769,
  objectId: 1,
} as const;

/** How long a start waits for another process's migration before it gives up. */
export const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;
const LOCK_POLL_MS = 100;

const LOCK_TABLE = "knex_migrations_lock";

/** Who holds the migration lock, as far as PostgreSQL can tell. */
export type MigrationLockHolder = { pid: number; applicationName: string | null } | undefined;

/** Another process is migrating (or holds knex's lock row in a transaction). */
export class MigrationRunning extends Error {
  constructor(readonly holder: MigrationLockHolder) {
    super(
      holder
        ? `a migration is running: PostgreSQL backend pid ${holder.pid}` +
            `${holder.applicationName ? ` (${holder.applicationName})` : ""} holds the migration lock`
        : "a migration is running: another transaction holds knex_migrations_lock",
    );
    this.name = "MigrationRunning";
  }
}

/**
 * knex's lock table says "locked" although no migration runs: it was left so by something
 * that migrated outside Registrar's lock (an older Registrar, knex's own CLI).
 */
export class MigrationLockStuck extends Error {
  constructor(
    readonly rows: number,
    readonly locked: number,
  ) {
    super(
      `knex_migrations_lock is stuck (${rows} row(s), ${locked} locked) and no migration is running; ` +
        "clear it with `pnpm db:unlock` (same DATABASE_URL or PGLITE_DIR), then try again",
    );
    this.name = "MigrationLockStuck";
  }
}

/**
 * Runs every pending migration; resolves to the names it applied. Any number of processes
 * may call it at once on one database: one migrates, the others wait for it and apply
 * nothing.
 *
 * A database that has them all (every start but the first after an upgrade) is recognised
 * with one read first, without the lock or knex: knex's own `latest()` looks its tables up
 * through information_schema and takes its lock in a transaction, which on an embedded
 * database was ~300 ms of a ~1.9 s start (2 vCPU).
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  // On a directory whose new cluster a child just migrated (migrateNewCluster): what it applied
  if (await allMigrationsApplied(db)) return takeAppliedAtCreation(db);
  return underMigrationLock(db, "wait", async (trx) => {
    // The process before us may have done it all while we waited.
    if (await allMigrationsApplied(trx)) return [];
    await refuseStuckLock(trx);
    const [, applied] = (await trx.migrate.latest()) as [number, string[]];
    return applied;
  });
}

/** Reverts the last applied migration (one, not knex's whole batch); resolves to its name, if any. */
export async function rollbackLastMigration(db: Database): Promise<string[]> {
  return underMigrationLock(db, "wait", async (trx) => {
    await refuseStuckLock(trx);
    const [, reverted] = (await trx.migrate.down()) as [number, string[]];
    return reverted;
  });
}

export type UnlockOutcome =
  | { unlocked: false; reason: "no lock table" | "not locked" }
  | { unlocked: true; rows: number; locked: number };

/**
 * Clears a stuck `knex_migrations_lock` (knex's `forceFreeMigrationsLock`: one unlocked row
 * again), refusing with `MigrationRunning` while a migration really runs: one holding
 * Registrar's lock, or one that holds knex's lock row in an open transaction.
 */
export async function unlockMigrations(db: Database): Promise<UnlockOutcome> {
  return underMigrationLock(db, "try", async (trx) => {
    const state = await lockTableState(trx);
    if (!state) return { unlocked: false, reason: "no lock table" };
    try {
      // knex takes its lock with an UPDATE (ROW EXCLUSIVE) inside the migration's
      // transaction; EXCLUSIVE conflicts with that and lets plain reads through.
      await trx.raw(`lock table ${LOCK_TABLE} in exclusive mode nowait`);
    } catch (error) {
      if (sqlState(error) === "55P03") throw new MigrationRunning(undefined);
      throw error;
    }
    if (!isStuck(state)) return { unlocked: false, reason: "not locked" };
    await trx.migrate.forceFreeMigrationsLock();
    return { unlocked: true, ...state };
  });
}

/** Runs `work` in one transaction that holds the migration lock; `try` fails at once if taken. */
async function underMigrationLock<T>(
  db: Database,
  mode: "wait" | "try",
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  // knex's migrator switches the snake_case mappers off and on in the client config of
  // whatever it is given; on a transaction that config is the application's own, so it
  // gets a copy (what knex's own `db.migrate` does), on the same pool.
  const migrationDb = db.withUserParams({ ...db.userParams });
  return migrationDb.transaction(async (trx) => {
    const giveUpAt = Date.now() + MIGRATION_LOCK_WAIT_MS;
    while (!(await tryMigrationLock(trx))) {
      if (mode === "try" || Date.now() >= giveUpAt) throw new MigrationRunning(await lockHolder(trx));
      // jittered, so processes that started together do not poll in step
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS * (0.5 + Math.random())));
    }
    return work(trx);
  });
}

async function tryMigrationLock(trx: Knex.Transaction): Promise<boolean> {
  const result = await trx.raw<{ rows: Array<{ locked: boolean }> }>(
    "select pg_try_advisory_xact_lock(?, ?) as locked",
    [MIGRATION_LOCK.classId, MIGRATION_LOCK.objectId],
  );
  return result.rows[0]?.locked === true;
}

async function lockHolder(trx: Knex.Transaction): Promise<MigrationLockHolder> {
  // The two-int4 form of an advisory lock shows as classid, objid and objsubid 2.
  const result = await trx.raw<{ rows: Array<{ pid: number; applicationName: string | null }> }>(
    `select l.pid, a.application_name as "applicationName"
     from pg_locks l left join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.classid = ? and l.objid = ? and l.objsubid = 2
       and l.database = (select oid from pg_database where datname = current_database())
     limit 1`,
    [MIGRATION_LOCK.classId, MIGRATION_LOCK.objectId],
  );
  return result.rows[0];
}

type LockTableState = { rows: number; locked: number };

async function lockTableState(db: Knex | Knex.Transaction): Promise<LockTableState | undefined> {
  const table = await db.raw<{ rows: Array<{ found: string | null }> }>(
    `select to_regclass('${LOCK_TABLE}')::text as found`,
  );
  if (!table.rows[0]?.found) return undefined;
  const counts = await db.raw<{ rows: LockTableState[] }>(
    `select count(*)::int as rows, count(*) filter (where is_locked <> 0)::int as locked from ${LOCK_TABLE}`,
  );
  return counts.rows[0] ?? { rows: 0, locked: 0 };
}

/** No row is fine (knex inserts one); more than one, or a locked one, never clears by itself. */
function isStuck(state: LockTableState): boolean {
  return state.rows > 1 || state.locked > 0;
}

/**
 * Under our lock nothing of ours is migrating, yet knex would refuse a stuck table with
 * "Migration table is already locked" and a hint at a knex CLI this project does not ship.
 */
async function refuseStuckLock(trx: Knex.Transaction): Promise<void> {
  const state = await lockTableState(trx);
  if (state && isStuck(state)) throw new MigrationLockStuck(state.rows, state.locked);
}

async function allMigrationsApplied(db: Knex | Knex.Transaction): Promise<boolean> {
  const table = await db.raw<{ rows: Array<{ found: string | null }> }>(
    "select to_regclass('knex_migrations')::text as found",
  );
  if (!table.rows[0]?.found) return false;
  const done = await db.raw<{ rows: Array<{ name: string }> }>("select name from knex_migrations");
  const applied = new Set(done.rows.map((row) => row.name));
  // Exactly ours: a migration we do not know (a newer Registrar ran here) goes to knex,
  // which refuses to start on it ("migration directory is corrupt").
  return applied.size === migrations.length && migrations.every(([name]) => applied.has(name));
}

function sqlState(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}
