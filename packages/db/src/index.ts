export { backupPglite } from "./backup.ts";
export { databaseOptionsFromEnv, defaultPgliteDir, describeDatabase, invocationDir } from "./config.ts";
export { type DataDirHolder, DataDirInUseError, type DataDirInUseReason } from "./data-dir-lock.ts";
export {
  createDatabase,
  type Database,
  type DatabaseKind,
  type DatabaseLog,
  type DatabaseOptions,
  databaseKindOf,
  defaultPostgresTimeouts,
  embeddedStartParams,
  type PostgresTimeouts,
  pgliteExtensions,
  resolvePostgresTimeouts,
} from "./database.ts";
export type { CommandIo } from "./db-command.ts";
export {
  MIGRATION_LOCK,
  type MigrationLockHolder,
  MigrationLockStuck,
  MigrationRunning,
  migrateToLatest,
  rollbackLastMigration,
  type UnlockOutcome,
  unlockMigrations,
} from "./migrate.ts";
export { migrationSource, migrations } from "./migrations/index.ts";
export { ApiKey } from "./models/ApiKey.ts";
export { Course, type CourseSeats, type ImportedCourse } from "./models/Course.ts";
export {
  type ChangeSource,
  type EnrollmentAction,
  EnrollmentHistory,
} from "./models/EnrollmentHistory.ts";
export { Event, type EventRow } from "./models/Event.ts";
export { IdempotencyKey } from "./models/IdempotencyKey.ts";
export { OAuthAccessToken } from "./models/OAuthAccessToken.ts";
export {
  type OneRosterComparison,
  type OneRosterEntity,
  type OneRosterPredicate,
  type OneRosterQuery,
  type OneRosterRow,
  OneRosterRows,
  type OneRosterSchool,
  oneRosterColumns,
  TERMLESS_SESSION_SOURCED_ID,
} from "./models/OneRosterRows.ts";
export { RegistrarModel, type SortKey, type SortPosition } from "./models/RegistrarModel.ts";
export { Student } from "./models/Student.ts";
export {
  type EnrollmentChange,
  type EnrollmentStatus,
  type ImportedEnrollment,
  StudentCourse,
} from "./models/StudentCourse.ts";
export { type ImportedTerm, Term, type TermType } from "./models/Term.ts";
export { WebhookDelivery, type WebhookDeliveryListRow } from "./models/WebhookDelivery.ts";
export {
  type DueSubscription,
  type WebhookEventPayload,
  type WebhookRow,
  WebhookSubscription,
} from "./models/WebhookSubscription.ts";
export {
  askOwner,
  newOwnerChannelPath,
  type OwnerChannel,
  type OwnerCommands,
  type OwnerRequest,
  OwnerUnreachableError,
  ownerChannelFolderPrefix,
  removeOwnerChannel,
  serveOwnerChannel,
} from "./owner-channel.ts";
export { preparedQuery } from "./prepared-query.ts";
export { type SeedSummary, seedDemoSchool } from "./seed.ts";
export { isoTimestamp, pgTypes } from "./timestamps.ts";
