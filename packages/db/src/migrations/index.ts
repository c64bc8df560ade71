import type { Knex } from "knex";
import * as createStudents from "./20261127000100_create_students.ts";
import * as createCourses from "./20261127000200_create_courses.ts";
import * as createStudentCourses from "./20261127000300_create_student_courses.ts";
import * as createApiKeys from "./20261127000400_create_api_keys.ts";
import * as addCoursesEnrolledCount from "./20261127000500_add_courses_enrolled_count.ts";
import * as createTermsAndExternalIds from "./20261201000100_create_terms_and_external_ids.ts";
import * as addEnrollmentLifecycle from "./20261201000200_add_enrollment_lifecycle.ts";
import * as addSearchIndexes from "./20261201000300_add_search_indexes.ts";
import * as createIdempotencyKeys from "./20261202000100_create_idempotency_keys.ts";
import * as createStudentEnrollmentVersions from "./20261202000200_create_student_enrollment_versions.ts";
import * as createEvents from "./20261203000100_create_events.ts";
import * as createWebhooks from "./20261203000200_create_webhooks.ts";
import * as createOauthAccessTokens from "./20261203000300_create_oauth_access_tokens.ts";
import * as addSortIndexes from "./20261203000400_add_sort_indexes.ts";
import * as refuseTermParentCycles from "./20261203000500_refuse_term_parent_cycles.ts";
import * as addWebhookDeliveriesAtIndex from "./20261204000100_add_webhook_deliveries_at_index.ts";
import * as pairTransitionRowsByHash from "./20261205000100_pair_transition_rows_by_hash.ts";
import * as enrollmentEventsByEntry from "./20261205000200_enrollment_events_by_entry.ts";
import * as triggerStatementsWithoutJit from "./20261205000300_trigger_statements_without_jit.ts";
import * as searchColumnStatistics from "./20261206000100_search_column_statistics.ts";

type Migration = Knex.Migration;

/**
 * Migrations are listed here rather than discovered on disk, so they load the same way
 * under tsx, vitest and a bundled build. Names are the file names: never rename one that
 * has shipped, knex records them in `knex_migrations`.
 */
export const migrations: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ["20261127000100_create_students", createStudents],
  ["20261127000200_create_courses", createCourses],
  ["20261127000300_create_student_courses", createStudentCourses],
  ["20261127000400_create_api_keys", createApiKeys],
  ["20261127000500_add_courses_enrolled_count", addCoursesEnrolledCount],
  ["20261201000100_create_terms_and_external_ids", createTermsAndExternalIds],
  ["20261201000200_add_enrollment_lifecycle", addEnrollmentLifecycle],
  ["20261201000300_add_search_indexes", addSearchIndexes],
  ["20261202000100_create_idempotency_keys", createIdempotencyKeys],
  ["20261202000200_create_student_enrollment_versions", createStudentEnrollmentVersions],
  ["20261203000100_create_events", createEvents],
  ["20261203000200_create_webhooks", createWebhooks],
  ["20261203000300_create_oauth_access_tokens", createOauthAccessTokens],
  ["20261203000400_add_sort_indexes", addSortIndexes],
  ["20261203000500_refuse_term_parent_cycles", refuseTermParentCycles],
  ["20261204000100_add_webhook_deliveries_at_index", addWebhookDeliveriesAtIndex],
  ["20261205000100_pair_transition_rows_by_hash", pairTransitionRowsByHash],
  ["20261205000200_enrollment_events_by_entry", enrollmentEventsByEntry],
  ["20261205000300_trigger_statements_without_jit", triggerStatementsWithoutJit],
  ["20261206000100_search_column_statistics", searchColumnStatistics],
];

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([candidate]) => candidate === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found[1];
  },
};
