import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { backupPglite } from "./backup.ts";
import { databaseOptionsFromEnv, describeDatabase, invocationDir } from "./config.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { createDatabase, type Database } from "./database.ts";
import { migrateToLatest, rollbackLastMigration, unlockMigrations } from "./migrate.ts";
import { askOwner, OwnerUnreachableError } from "./owner-channel.ts";
import { type SeedSummary, seedDemoSchool } from "./seed.ts";

const commands = ["migrate", "rollback", "seed", "unlock", "backup"] as const;
type Command = (typeof commands)[number];

function isCommand(value: string | undefined): value is Command {
  return commands.includes(value as Command);
}

const command = process.argv[2];
if (!isCommand(command)) {
  console.error(`usage: db <${commands.join("|")}> (backup [file])`);
  process.exit(2);
}

const options = databaseOptionsFromEnv(process.env);
if (command === "backup" && options.kind === "postgres") {
  console.error("backup: this is for the embedded database; on PostgreSQL use pg_dump");
  process.exit(2);
}
const backupFile = resolve(
  invocationDir(process.env),
  process.argv[3] ?? `registrar-backup-${new Date().toISOString().replaceAll(":", "-")}.tar.gz`,
);

function printSeed(summary: SeedSummary): void {
  console.log(
    summary.seeded
      ? `seed: ${summary.students} students, ${summary.courses} courses, ${summary.enrollments} enrollments; "${summary.fullCourse}" is full`
      : `seed: skipped, ${summary.reason}`,
  );
}

function writeBackup(tarball: Uint8Array): void {
  writeFileSync(backupFile, tarball);
  console.log(`backup: ${backupFile} (${(tarball.byteLength / 1024 / 1024).toFixed(1)} MiB)`);
  console.log(
    `restore: stop the server, then tar -xzf ${backupFile} -C <an empty directory> and use it as PGLITE_DIR`,
  );
}

/**
 * A running server owns its PGlite directory: seed and backup are then done by it, asked
 * over its command socket, so they work (and last) while it runs. Migrations and rollbacks
 * wait for it to stop.
 */
async function throughOwner(inUse: DataDirInUseError): Promise<void> {
  if (command !== "seed" && command !== "backup") {
    console.error(`${command} failed: ${inUse.message}`);
    process.exit(1);
  }
  console.log(
    `database: ${describeDatabase(options)}, through ${inUse.holder.owner} (pid ${inUse.holder.pid})`,
  );
  try {
    const { result, attachment } = await askOwner(inUse.holder, { command });
    if (command === "seed") printSeed(result as SeedSummary);
    else writeBackup(attachment);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      error instanceof OwnerUnreachableError
        ? `${command} failed: ${inUse.message} (${message})`
        : `${command} failed: ${message}`,
    );
    process.exitCode = 1;
  }
}

async function locally(db: Database): Promise<void> {
  console.log(`database: ${describeDatabase(options)}`);
  try {
    if (command === "migrate") {
      const applied = await migrateToLatest(db);
      console.log(
        applied.length === 0
          ? "migrate: already up to date"
          : `migrate: applied ${applied.length}: ${applied.join(", ")}`,
      );
    } else if (command === "rollback") {
      // One migration at a time: knex's batch rollback would undo every table at once.
      const rolledBack = await rollbackLastMigration(db);
      console.log(
        rolledBack.length === 0
          ? "rollback: nothing to roll back"
          : `rollback: reverted ${rolledBack.join(", ")}`,
      );
    } else if (command === "unlock") {
      const outcome = await unlockMigrations(db);
      console.log(
        outcome.unlocked
          ? `unlock: cleared knex_migrations_lock (had ${outcome.rows} row(s), ${outcome.locked} locked); it has one unlocked row now`
          : `unlock: nothing to do, ${outcome.reason === "no lock table" ? "no migration has run here yet" : "the migrations are not locked"}`,
      );
    } else if (command === "seed") {
      await migrateToLatest(db);
      printSeed(await seedDemoSchool(db));
    } else {
      writeBackup(await backupPglite(db));
    }
  } catch (error) {
    console.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

let db: Database | undefined;
try {
  db = createDatabase({ ...options, owner: `db ${command}` });
} catch (error) {
  if (!(error instanceof DataDirInUseError)) throw error;
  await throughOwner(error);
}
if (db) await locally(db);
