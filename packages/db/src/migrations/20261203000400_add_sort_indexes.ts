import type { Knex } from "knex";

/**
 * B-tree indexes for the sorted lists (`GET /students?sort=` and `GET /courses?sort=`):
 * each is `(sort key, id)`, the exact expression the list orders by (Student.sortKeys,
 * Course.sortKeys) followed by the id that breaks ties. A page is then a range scan from
 * the cursor's `(key, id)` forwards or backwards, `limit` rows long, whatever the table's
 * size; without them every page of a sorted list would sort the whole table.
 * The default order (by id) and `lower(email)` alone already have theirs; email gets one
 * with the id as well, so the row comparison of its cursor is one index condition.
 */
const indexes = [
  ["students_name_sort_index", "students (lower(name), id)"],
  ["students_email_sort_index", "students (lower(email), id)"],
  ["students_created_at_sort_index", "students (created_at, id)"],
  ["courses_name_sort_index", "courses (lower(name), id)"],
  ["courses_code_sort_index", "courses ((coalesce(lower(code), '')), id)"],
  ["courses_level_sort_index", "courses (lower(level), id)"],
  ["courses_capacity_sort_index", "courses ((coalesce(capacity, 2147483647)), id)"],
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of indexes) await knex.raw(`create index ${name} on ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of [...indexes].reverse()) await knex.raw(`drop index ${name}`);
}
