import type { Knex } from "knex";

/**
 * The trigger functions that read a statement's transition tables run with `jit = off`.
 *
 * Why: PL/pgSQL plans each of their statements once per connection, from the first call's
 * row counts, and PostgreSQL decides at planning whether a plan is JIT-compiled, then
 * compiles it again at every execution. After one large statement on a connection (an
 * import of 40,000 enrollments, measured on the bench database), each later one-row
 * enrollment on it spent ~70 ms compiling (`JIT: … Total 69.3 ms`) a plan costed for 40,000
 * rows, against ~1 ms with this setting. JIT's gain on the large statement itself is
 * ~15-20% of its trigger work (40,000 enrollments: 1.4-1.5 s with JIT, 1.6-2.0 s without),
 * which a pooled connection would pay back on its next hundred writes many times over.
 *
 * trigger-plans.test.ts fails when a trigger function that reads a transition table lacks it.
 */
const functions = [
  "student_courses_count_added",
  "student_courses_count_removed",
  "student_courses_count_moved",
  "student_courses_bump_versions",
  "student_courses_bump_versions_moved",
  "students_record_created",
  "students_record_updated",
  "students_record_deleted",
  "courses_record_created",
  "courses_record_updated",
  "courses_record_deleted",
  "terms_record_created",
  "terms_record_updated",
  "terms_record_deleted",
  "enrollment_history_record_events",
];

export async function up(knex: Knex): Promise<void> {
  for (const name of functions) await knex.raw(`alter function ${name}() set jit = off`);
}

export async function down(knex: Knex): Promise<void> {
  for (const name of functions) await knex.raw(`alter function ${name}() reset jit`);
}
