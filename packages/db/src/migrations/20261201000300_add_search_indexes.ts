import type { Knex } from "knex";

/**
 * Trigram indexes for `GET /students?q=` (name or email) and `GET /courses?q=` (name or
 * code): a case-insensitive substring match is `column ILIKE '%q%'`, which a B-tree cannot
 * serve (no left anchor) and which would otherwise read every row; pg_trgm's GIN operator
 * class answers ILIKE from the trigrams of the pattern. One index per column, so that
 * `name ILIKE … OR email ILIKE …` is a BitmapOr of two index scans (an index over the
 * concatenation would also match across the boundary of the two values).
 *
 * pg_trgm is in PostgreSQL's contrib (a trusted extension since 13: the database's owner
 * may create it) and PGlite ships it as a module every instance loads
 * (`pgliteExtensions`, database.ts). Patterns under three characters have no trigram to
 * look up; those scan the index whole, which at 100,000 rows is still a few milliseconds.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create extension if not exists pg_trgm");
  await knex.raw("create index students_name_trgm_index on students using gin (name gin_trgm_ops)");
  await knex.raw("create index students_email_trgm_index on students using gin (email gin_trgm_ops)");
  await knex.raw("create index courses_name_trgm_index on courses using gin (name gin_trgm_ops)");
  await knex.raw("create index courses_code_trgm_index on courses using gin (code gin_trgm_ops)");
}

/** The extension stays: it may have been there before, and other objects may use it. */
export async function down(knex: Knex): Promise<void> {
  for (const index of [
    "courses_code_trgm_index",
    "courses_name_trgm_index",
    "students_email_trgm_index",
    "students_name_trgm_index",
  ]) {
    await knex.raw(`drop index ${index}`);
  }
}
