export { databaseOptionsFromEnv, defaultPgliteDir, describeDatabase } from "./config.ts";
export {
  createDatabase,
  type Database,
  type DatabaseKind,
  type DatabaseLog,
  type DatabaseOptions,
  defaultPostgresTimeouts,
  migrateToLatest,
  type PostgresTimeouts,
  resolvePostgresTimeouts,
} from "./database.ts";
export { migrationSource, migrations } from "./migrations/index.ts";
export { ApiKey } from "./models/ApiKey.ts";
export { Course } from "./models/Course.ts";
export { RegistrarModel } from "./models/RegistrarModel.ts";
export { Student } from "./models/Student.ts";
export { StudentCourse } from "./models/StudentCourse.ts";
export { preparedQuery } from "./prepared-query.ts";
export { type SeedSummary, seedDemoSchool } from "./seed.ts";
export { isoTimestamp, pgTypes } from "./timestamps.ts";
