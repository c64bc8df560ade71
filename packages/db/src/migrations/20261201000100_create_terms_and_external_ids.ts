import type { Knex } from "knex";

/**
 * Terms, course codes and external ids (contract v1.1, "Terms, codes and external ids").
 *
 * Expand only: a new table and nullable columns, so every existing student and course keeps
 * its row and its values; nothing is backfilled. Deleting a term that a course or another
 * term names is refused by the foreign keys (no action), which the service reports as
 * `term_in_use`. External ids (`sourced_id`) are unique per table when set: a unique
 * constraint lets any number of rows have none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table terms (
      id serial primary key,
      name text not null,
      type text not null default 'term'
        constraint terms_type_check check (type in ('term', 'semester', 'schoolYear', 'gradingPeriod')),
      starts_on date not null,
      ends_on date not null,
      parent_id integer constraint terms_parent_id_fkey references terms (id),
      sourced_id text
        constraint terms_sourced_id_unique unique
        constraint terms_sourced_id_length check (char_length(sourced_id) between 1 and 255),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint terms_dates_check check (starts_on <= ends_on),
      constraint terms_parent_not_self check (parent_id <> id)
    )`);
  // the foreign key's lookups when a parent term is deleted
  await knex.raw("create index terms_parent_id_index on terms (parent_id)");

  await knex.raw(`
    alter table courses
      add column code text constraint courses_code_length check (char_length(code) between 1 and 64),
      add column term_id integer constraint courses_term_id_fkey references terms (id),
      add column sourced_id text
        constraint courses_sourced_id_unique unique
        constraint courses_sourced_id_length check (char_length(sourced_id) between 1 and 255)`);
  // GET /courses?term_id= and the foreign key's lookup when a term is deleted
  await knex.raw("create index courses_term_id_index on courses (term_id, id)");

  await knex.raw(`
    alter table students
      add column sourced_id text
        constraint students_sourced_id_unique unique
        constraint students_sourced_id_length check (char_length(sourced_id) between 1 and 255)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("alter table students drop column sourced_id");
  await knex.raw("alter table courses drop column sourced_id, drop column term_id, drop column code");
  await knex.raw("drop table terms");
}
