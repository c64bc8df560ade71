import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/database.ts";
import { runDbCommand } from "../src/db-command.ts";
import { MIGRATION_LOCK } from "../src/migrate.ts";
import { migrations } from "../src/migrations/index.ts";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "../src/testing.ts";

/**
 * `pnpm db:unlock` and what points to it: the db commands as their own processes, on a
 * database whose knex lock table an older Registrar left with two rows. On PGlite the
 * command and this process open the data folder in turn (one owner at a time).
 */

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const target = testDatabaseTarget();

let postgres: TestDatabase | undefined;
let pgliteDir: string | undefined;

/** Runs `use` on the command's database, then (PGlite) closes it so the command can open it. */
async function withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T> {
  if (postgres) return use(postgres.db);
  const db = createDatabase({ kind: "pglite", dir: pgliteDir ?? "" });
  try {
    return await use(db);
  } finally {
    await db.destroy();
  }
}

beforeAll(async () => {
  if (target.kind === "postgres") {
    postgres = await createTestDatabase({ migrated: false });
  } else {
    // Start the folder from the empty snapshot: initdb would cost seconds.
    pgliteDir = await mkdtemp(join(tmpdir(), "registrar-unlock-"));
    const seeded = new PGlite(pgliteDir, { loadDataDir: new Blob([await readFile(target.emptySnapshot)]) });
    await seeded.waitReady;
    await seeded.close();
  }
  await withDatabase(async (db) => {
    await db.raw("create table knex_migrations_lock (index serial primary key, is_locked integer)");
    await db.raw("insert into knex_migrations_lock (is_locked) values (0), (0)");
  });
});
afterAll(async () => {
  await postgres?.drop();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

type CommandRun = { code: number; stdout: string; stderr: string };

/** The environment a command gets: the test's, with this file's database and no other. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.PGLITE_DIR;
  if (postgres?.url) env.DATABASE_URL = postgres.url;
  else env.PGLITE_DIR = pgliteDir;
  return env;
}

/**
 * `pnpm db:<command>` in this process (runDbCommand, what src/cli.ts runs), with its own
 * streams: a process through tsx per command cost ~1.5 s of CPU each here.
 */
async function db(command: string): Promise<CommandRun> {
  let stdout = "";
  let stderr = "";
  const code = await runDbCommand([command], {
    env: commandEnv(),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The real command, `tsx src/cli.ts <command>` as `pnpm db:<command>` runs it. */
async function dbProcess(command: string): Promise<CommandRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli.ts", command], {
      cwd: packageDir,
      env: commandEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CommandRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe(`pnpm db:unlock on ${target.kind}`, () => {
  it("migrate refuses a stuck lock table naming the command; unlock clears it; migrate then applies everything", async () => {
    // the first as the real process: its exit code and streams
    const refused = await dbProcess("migrate");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("knex_migrations_lock is stuck (2 row(s), 0 locked)");
    expect(refused.stderr).toContain("`pnpm db:unlock`");

    const unlocked = await db("unlock");
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toContain("unlock: cleared knex_migrations_lock (had 2 row(s), 0 locked)");

    const migrated = await db("migrate");
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain(`migrate: applied ${migrations.length}:`);

    const again = await db("unlock");
    expect(again.stdout).toContain("unlock: nothing to do, the migrations are not locked");
    const rows = await withDatabase((db) =>
      db.raw<{ rows: Array<{ isLocked: number }> }>(
        `select is_locked as "isLocked" from knex_migrations_lock`,
      ),
    );
    expect(rows.rows).toEqual([{ isLocked: 0 }]);
  }, 180_000);

  // PGlite has no other session: one process owns the database.
  if (target.kind === "postgres")
    it("refuses (exit 1) while another session holds the migration lock, and names it", async () => {
      const other = createDatabase({ kind: "postgres", url: postgres?.url ?? "", poolMax: 1 });
      try {
        const holding = await other.transaction();
        await holding.raw("select pg_advisory_xact_lock(?, ?)", [
          MIGRATION_LOCK.classId,
          MIGRATION_LOCK.objectId,
        ]);
        const pid = (await holding.raw<{ rows: Array<{ pid: number }> }>("select pg_backend_pid() as pid"))
          .rows[0]?.pid;
        const refused = await db("unlock");
        await holding.commit();
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`a migration is running: PostgreSQL backend pid ${pid}`);
      } finally {
        await other.destroy();
      }
    });
});
