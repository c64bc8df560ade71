import { databaseOptionsFromEnv, describeDatabase } from "./config.ts";
import { DataDirInUseError } from "./data-dir-lock.ts";
import { createDatabase, migrateToLatest } from "./database.ts";
import { seedDemoSchool } from "./seed.ts";

const commands = ["migrate", "rollback", "seed"] as const;
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
const db = (() => {
  try {
    return createDatabase({ ...options, owner: `db ${command}` });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    console.error(`${command} failed: ${error.message}`);
    process.exit(1);
  }
})();
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
    const [, rolledBack] = (await db.migrate.down()) as [number, string[]];
    console.log(
      rolledBack.length === 0
        ? "rollback: nothing to roll back"
        : `rollback: reverted ${rolledBack.join(", ")}`,
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
