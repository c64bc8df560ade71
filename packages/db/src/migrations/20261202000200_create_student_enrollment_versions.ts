import type { Knex } from "knex";

/**
 * `student_enrollment_versions`: a counter per student that the database bumps in the
 * transaction of every change to that student's rows in `student_courses` (insert,
 * update of any column, e.g. a status, and delete, cascades included), so the ETag of
 * `GET /students/{id}/courses` (contract v1.1) changes with every enrollment change,
 * whatever the writer. A student who never had an enrollment has no row: version 0.
 *
 * Its own table rather than a column of `students`: a course's deletion cascades to the
 * pairs of many students, and bumping their `students` rows would lock students after a
 * course, the reverse of the writers' lock order (student, then courses). The version rows
 * are locked last by every writer (after its courses), in ascending student id, so they
 * add no cycle. No foreign key: a student's deletion cascades to its pairs, whose trigger
 * writes the version of a student that is going away (ids are never reused).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table student_enrollment_versions (
      student_id integer primary key,
      version bigint not null
    )`);
  await knex.raw(`
    create function student_courses_bump_versions() returns trigger language plpgsql as $$
    begin
      insert into student_enrollment_versions as v (student_id, version)
      select student_id, 1 from (select distinct student_id from changed) s order by student_id
      on conflict (student_id) do update set version = v.version + 1;
      return null;
    end $$`);
  await knex.raw(`
    create function student_courses_bump_versions_moved() returns trigger language plpgsql as $$
    begin
      insert into student_enrollment_versions as v (student_id, version)
      select student_id, 1 from (
        select student_id from changed union select student_id from before_change
      ) s order by student_id
      on conflict (student_id) do update set version = v.version + 1;
      return null;
    end $$`);
  await knex.raw(`
    create trigger student_courses_version_added after insert on student_courses
      referencing new table as changed for each statement
      execute function student_courses_bump_versions()`);
  await knex.raw(`
    create trigger student_courses_version_removed after delete on student_courses
      referencing old table as changed for each statement
      execute function student_courses_bump_versions()`);
  await knex.raw(`
    create trigger student_courses_version_moved after update on student_courses
      referencing old table as before_change new table as changed for each statement
      execute function student_courses_bump_versions_moved()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop trigger student_courses_version_moved on student_courses");
  await knex.raw("drop trigger student_courses_version_removed on student_courses");
  await knex.raw("drop trigger student_courses_version_added on student_courses");
  await knex.raw("drop function student_courses_bump_versions_moved()");
  await knex.raw("drop function student_courses_bump_versions()");
  await knex.raw("drop table student_enrollment_versions");
}
