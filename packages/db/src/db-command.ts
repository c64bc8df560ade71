import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { backupPglite } from "./backup.ts";
import { databaseOptionsFromEnv, describeDatabase, invocationDir } from "./config.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { createDatabase, type Database } from "./database.ts";
import { migrateToLatest, rollbackLastMigration, unlockMigrations } from "./migrate.ts";
import { askOwner, OwnerUnreachableError } from "./owner-channel.ts";
import { type SeedSummary, seedDemoSchool } from "./seed.ts";

/**
 * `pnpm db:<command>`: migrate, rollback, seed, unlock and backup on the database the
 * environment names (DATABASE_URL or PGLITE_DIR). A function of its arguments,
 * environment and streams that answers the exit code, so tests run it in their own process;
 * src/cli.ts is the command around it. `CommandIo` is also what `pnpm keys` takes
 * (apps/server/src/keys-command.ts).
 */
export type CommandIo = {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
};

const commands = ["migrate", "rollback", "seed", "unlock", "backup"] as const;
type Command = (typeof commands)[number];

function isCommand(value: string | undefined): value is Command {
  return commands.includes(value as Command);
}

/** Runs `db <command> [file]` and answers its exit code: 0 done, 1 failed, 2 a usage error. */
export async function runDbCommand(args: string[], io: CommandIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  const [command, file] = args;
  if (!isCommand(command)) {
    err(`usage: db <${commands.join("|")}> (backup [file])`);
    return 2;
  }
  const options = databaseOptionsFromEnv(io.env);
  if (command === "backup" && options.kind === "postgres") {
    err("backup: this is for the embedded database; on PostgreSQL use pg_dump");
    return 2;
  }
  const backupFile = resolve(
    invocationDir(io.env),
    file ?? `registrar-backup-${new Date().toISOString().replaceAll(":", "-")}.tar.gz`,
  );

  function printSeed(summary: SeedSummary): void {
    out(
      summary.seeded
        ? `seed: ${summary.students} students, ${summary.courses} courses, ${summary.enrollments} enrollments; "${summary.fullCourse}" is full`
        : `seed: skipped, ${summary.reason}`,
    );
  }

  function writeBackup(tarball: Uint8Array): void {
    writeFileSync(backupFile, tarball);
    out(`backup: ${backupFile} (${(tarball.byteLength / 1024 / 1024).toFixed(1)} MiB)`);
    out(
      `restore: stop the server, then tar -xzf ${backupFile} -C <an empty directory> and use it as PGLITE_DIR`,
    );
  }

  /**
   * A running server owns its PGlite directory: seed and backup are then done by it, asked
   * over its command socket, so they work (and last) while it runs. Migrations and rollbacks
   * wait for it to stop.
   */
  async function throughOwner(inUse: DataDirInUseError): Promise<number> {
    if (command !== "seed" && command !== "backup") {
      err(`${command} failed: ${inUse.message}`);
      return 1;
    }
    out(`database: ${describeDatabase(options)}, through ${inUse.holder.owner} (pid ${inUse.holder.pid})`);
    try {
      const { result, attachment } = await askOwner(inUse.holder, { command });
      if (command === "seed") printSeed(result as SeedSummary);
      else writeBackup(attachment);
      return 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      err(
        error instanceof OwnerUnreachableError
          ? `${command} failed: ${inUse.message} (${message})`
          : `${command} failed: ${message}`,
      );
      return 1;
    }
  }

  async function locally(db: Database): Promise<number> {
    out(`database: ${describeDatabase(options)}`);
    try {
      if (command === "migrate") {
        const applied = await migrateToLatest(db);
        out(
          applied.length === 0
            ? "migrate: already up to date"
            : `migrate: applied ${applied.length}: ${applied.join(", ")}`,
        );
      } else if (command === "rollback") {
        // One migration at a time: knex's batch rollback would undo every table at once.
        const rolledBack = await rollbackLastMigration(db);
        out(
          rolledBack.length === 0
            ? "rollback: nothing to roll back"
            : `rollback: reverted ${rolledBack.join(", ")}`,
        );
      } else if (command === "unlock") {
        const outcome = await unlockMigrations(db);
        out(
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
      return 0;
    } catch (error) {
      err(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    } finally {
      await db.destroy();
    }
  }

  let db: Database;
  try {
    db = createDatabase({ ...options, owner: `db ${command}` });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    return throughOwner(error);
  }
  return locally(db);
}
