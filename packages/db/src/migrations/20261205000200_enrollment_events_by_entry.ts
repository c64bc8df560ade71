import type { Knex } from "knex";

/**
 * `enrollment.*` events (20261203000100) look up each history entry's enrollment and course
 * by key, one index lookup each, instead of joining the entries to `student_courses` and
 * `courses`.
 *
 * Why: PL/pgSQL plans the statement once per connection, from its first call's row count.
 * After a large first call (40,000 entries, measured on the bench database) the join was
 * kept as a merge join that reads `student_courses` in index order from its start, so every
 * later one-row enrollment on that connection read up to the whole index (its whole table at
 * a hash join's sizes): ~1-2 ms at 150,000 enrollments, growing with the table. A lookup per
 * entry costs the same whatever the first call was; for the large call itself it was within
 * the noise of the join (40,000 enrollments: 1.6-2.0 s before, 1.7-2.1 s after).
 *
 * Every entry has its enrollment and course (its foreign key), so the lookups find what the
 * join found.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function enrollment_history_record_events() returns trigger language plpgsql as $$
    begin
      insert into events (type, data)
      select 'enrollment.' || h.action, enrollment_event_data(
        (select e from student_courses e where e.student_id = h.student_id and e.course_id = h.course_id),
        (select c from courses c where c.id = h.course_id))
      from entries h
      order by h.id;
      return null;
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function enrollment_history_record_events() returns trigger language plpgsql as $$
    begin
      insert into events (type, data)
      select 'enrollment.' || h.action, enrollment_event_data(e, c)
      from entries h
      join student_courses e on e.student_id = h.student_id and e.course_id = h.course_id
      join courses c on c.id = h.course_id
      order by h.id;
      return null;
    end $$`);
}
