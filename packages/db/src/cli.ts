import { databaseOptionsFromEnv, describeDatabase } from "./config.ts";
import { createDatabase } from "./database.ts";
import { migrateToLatest, rollbackLastMigration, unlockMigrations } from "./migrate.ts";
import { seedDemoSchool } from "./seed.ts";

const commands = ["migrate", "rollback", "seed", "unlock"] as const;
type Command = (typeof commands)[number];

function isCommand(value: string | undefined): value is Command {
  return commands.includes(value as Command);
}

const command = process.argv[2];
if (!isCommand(command)) {
  console.error(`usage: db <${commands.join("|")}>`);
  process.exit(2);
}

const options = databaseOptionsFromEnv(process.env);
const db = createDatabase(options);
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
  } else {
    await migrateToLatest(db);
    const summary = await seedDemoSchool(db);
    console.log(
      summary.seeded
        ? `seed: ${summary.students} students, ${summary.courses} courses, ${summary.enrollments} enrollments; "${summary.fullCourse}" is full`
        : `seed: skipped, ${summary.reason}`,
    );
  }
} catch (error) {
  console.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
