import type { Knex } from "knex";

/**
 * `courses.enrolled_count`: the number of rows in `student_courses` for the course, kept
 * by the database itself.
 *
 * Why a stored count: every Course the API returns carries its enrolled count, and
 * counting it on read was most of the cost of the big answers (an assignment of 1,000
 * courses that each hold 200 students counted 200,000 index entries: 18 ms of its ~48 ms).
 * Stored, it is a column read, and the capacity rule becomes a CHECK constraint that no
 * writer can get around.
 *
 * Kept by statement-level triggers on `student_courses` with transition tables: one
 * `update ... from (select course_id, count(*) ... group by course_id)` per statement,
 * whatever the number of rows (a row-level trigger would update a course row per
 * enrollment). The triggers lock the course rows in ascending id order before updating
 * them: the same order every writer in packages/core takes, so a writer the service layer
 * does not know about (psql, a bulk load) cannot deadlock with it.
 *
 * Existing rows: nothing is deleted or rewritten but the new column. The backfill counts
 * every course once. A database where some course already holds more students than its
 * capacity (possible only through writes outside Registrar) cannot take the CHECK: the
 * migration stops, names the courses and changes nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("alter table courses add column enrolled_count integer not null default 0");
  await knex.raw(`
    update courses c set enrolled_count = counted.n
    from (select course_id, count(*)::int as n from student_courses group by course_id) counted
    where c.id = counted.course_id`);

  const over = await knex.raw<{ rows: Array<{ id: number; capacity: number; enrolledCount: number }> }>(
    `select id, capacity, enrolled_count as "enrolledCount" from courses
     where capacity is not null and enrolled_count > capacity order by id limit 20`,
  );
  if (over.rows.length > 0) {
    const list = over.rows.map(
      (row) => `${row.id} (${row.enrolledCount} enrolled, capacity ${row.capacity})`,
    );
    throw new Error(
      `courses over capacity: ${list.join(", ")}. Raise their capacity or remove enrollments, then migrate again; nothing was changed.`,
    );
  }

  await knex.raw(`
    alter table courses
      add constraint courses_enrolled_count_not_negative check (enrolled_count >= 0),
      add constraint courses_enrolled_count_within_capacity
        check (capacity is null or enrolled_count <= capacity)`);

  await knex.raw(countingFunction("added", "+"));
  await knex.raw(countingFunction("removed", "-"));
  await knex.raw(`
    create function student_courses_count_moved() returns trigger language plpgsql as $$
    begin
      perform 1 from courses
      where id in (select course_id from removed union select course_id from added)
      order by id for update;
      update courses c set enrolled_count = c.enrolled_count + counted.n
      from (
        select course_id, sum(delta)::int as n from (
          select course_id, 1 as delta from added
          union all
          select course_id, -1 as delta from removed
        ) changes group by course_id
      ) counted
      where c.id = counted.course_id and counted.n <> 0;
      return null;
    end $$`);
  await knex.raw(`
    create function student_courses_count_truncated() returns trigger language plpgsql as $$
    begin
      update courses set enrolled_count = 0 where enrolled_count <> 0;
      return null;
    end $$`);

  await knex.raw(`
    create trigger student_courses_count_added after insert on student_courses
      referencing new table as added for each statement
      execute function student_courses_count_added()`);
  await knex.raw(`
    create trigger student_courses_count_removed after delete on student_courses
      referencing old table as removed for each statement
      execute function student_courses_count_removed()`);
  await knex.raw(`
    create trigger student_courses_count_moved after update on student_courses
      referencing old table as removed new table as added for each statement
      execute function student_courses_count_moved()`);
  await knex.raw(`
    create trigger student_courses_count_truncated after truncate on student_courses
      for each statement execute function student_courses_count_truncated()`);
}

/**
 * The insert and delete triggers' function: lock the courses of the statement's rows
 * (ascending), then add (or subtract) each course's number of rows in one UPDATE.
 */
function countingFunction(rows: "added" | "removed", sign: "+" | "-"): string {
  return `
    create function student_courses_count_${rows}() returns trigger language plpgsql as $$
    begin
      perform 1 from courses where id in (select course_id from ${rows}) order by id for update;
      update courses c set enrolled_count = c.enrolled_count ${sign} counted.n
      from (select course_id, count(*)::int as n from ${rows} group by course_id) counted
      where c.id = counted.course_id;
      return null;
    end $$`;
}

export async function down(knex: Knex): Promise<void> {
  for (const name of ["added", "removed", "moved", "truncated"]) {
    await knex.raw(`drop trigger student_courses_count_${name} on student_courses`);
    await knex.raw(`drop function student_courses_count_${name}()`);
  }
  await knex.raw("alter table courses drop column enrolled_count");
}
