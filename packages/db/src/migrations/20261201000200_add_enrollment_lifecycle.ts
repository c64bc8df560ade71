import type { Knex } from "knex";

/**
 * The enrollment lifecycle (contract v1.1, "Enrollment lifecycle" and "History"), kept by the
 * database so that no writer, ours or not, can break it:
 *
 * - `student_courses.status` (active | waitlisted | dropped | completed): an enrollment is
 *   no longer deleted when dropped. Existing rows become `active` with their `enrolled_at`
 *   (a column default: no row is rewritten).
 * - `courses.enrolled_count` counts active rows only and `waitlisted_count` the waitlisted
 *   ones; both are kept by the statement-level triggers of 20261127000500, whose functions
 *   are replaced here, and two CHECKs refuse any active count above `capacity` and any
 *   waitlist above `waitlist_capacity`.
 * - Promotion: whenever a statement frees a seat (a drop, a completion, a deletion) the same
 *   trigger, still holding the course rows it locked in ascending id order, turns the first
 *   waitlisted rows into active ones, first come first served by `waitlisted_at`; a raised
 *   capacity does the same (a trigger on courses). So promotion happens in the transaction
 *   that freed the seat and under that course's row lock, and two concurrent drops cannot
 *   admit more students than the seats they free: the second waits for the first's lock and
 *   then sees its promotion.
 * - `enrollment_history`: one entry per status change, written by the same triggers from
 *   their transition tables (set-based: one INSERT per statement, whatever the number of
 *   rows), so no change can be made without its entry and no entry without a change. Who
 *   made the change comes from the transaction-local setting `registrar.change` (JSON
 *   `{source, keyId, role, reason}`, see `registrar_change()`), which the services set in
 *   the first statement of each write; a writer that sets nothing (psql, a bulk load) is
 *   recorded as `system`. Promotions are always `system`, without actor or reason.
 *
 * History rows reference their enrollment `(student_id, course_id)` with ON DELETE CASCADE:
 * deleting a student or a course removes its enrollments and with them their history
 * (erasure). Referencing the pair rather than the student and the course also keeps the lock
 * order: the foreign key check of an entry written for another student (a promotion) locks
 * that student's enrollment row, which the writer already holds, and not the student row,
 * which a concurrent `deleteStudent` may hold while it waits for our course lock.
 *
 * Entries are never edited: a BEFORE UPDATE trigger raises an error. A trigger rather than
 * a rule, because `DO INSTEAD NOTHING` would make every UPDATE silently succeed (a writer's
 * bug would go unnoticed); rather than REVOKE, because the application connects as the
 * table's owner, whom a REVOKE does not bind. Deletes stay possible: they are the erasure.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table student_courses
      add column status text not null default 'active'
        constraint student_courses_status_check
        check (status in ('active', 'waitlisted', 'dropped', 'completed')),
      add column waitlisted_at timestamptz,
      add column begin_date date,
      add column end_date date,
      add column dropped_at timestamptz,
      add constraint student_courses_waitlisted_at_check
        check (status <> 'waitlisted' or waitlisted_at is not null),
      add constraint student_courses_dates_check
        check (begin_date is null or end_date is null or begin_date <= end_date)`);
  // A course's waitlist in order: promotion takes its head, positions count along it.
  await knex.raw(`
    create index student_courses_waitlist_index on student_courses (course_id, waitlisted_at, student_id)
    where status = 'waitlisted'`);

  await knex.raw(`
    alter table courses
      add column waitlist_capacity integer not null default 0
        constraint courses_waitlist_capacity_range check (waitlist_capacity between 0 and 100000),
      add column waitlisted_count integer not null default 0,
      add constraint courses_waitlisted_count_not_negative check (waitlisted_count >= 0),
      add constraint courses_waitlisted_count_within_capacity check (waitlisted_count <= waitlist_capacity)`);

  await knex.raw(`
    create table enrollment_history (
      id serial primary key,
      at timestamptz not null default now(),
      student_id integer not null,
      course_id integer not null,
      action text not null constraint enrollment_history_action_check
        check (action in ('enrolled', 'waitlisted', 'promoted', 'dropped', 'completed', 'reactivated')),
      from_status text constraint enrollment_history_from_status_check
        check (from_status in ('active', 'waitlisted', 'dropped', 'completed')),
      to_status text not null constraint enrollment_history_to_status_check
        check (to_status in ('active', 'waitlisted', 'dropped', 'completed')),
      reason text constraint enrollment_history_reason_length check (char_length(reason) <= 500),
      actor_key_id integer,
      actor_role text constraint enrollment_history_actor_role_check
        check (actor_role in ('admin', 'registrar', 'reader', 'student')),
      source text not null constraint enrollment_history_source_check
        check (source in ('rest', 'trpc', 'import', 'system')),
      constraint enrollment_history_enrollment_fkey foreign key (student_id, course_id)
        references student_courses (student_id, course_id) on delete cascade on update cascade
    )`);
  // A student's history, a course's history (and a pair's, through the student's).
  await knex.raw("create index enrollment_history_student_index on enrollment_history (student_id, id)");
  await knex.raw("create index enrollment_history_course_index on enrollment_history (course_id, id)");
  // Existing enrollments predate history: each gets the entry that made it, at its time.
  await knex.raw(`
    insert into enrollment_history (at, student_id, course_id, action, from_status, to_status, source)
    select enrolled_at, student_id, course_id, 'enrolled', null, 'active', 'system'
    from student_courses order by enrolled_at, student_id, course_id`);
  await knex.raw(`
    create function enrollment_history_refuse_update() returns trigger language plpgsql as $$
    begin
      raise exception 'enrollment_history is append-only: its entries are never updated'
        using errcode = 'restrict_violation';
    end $$`);
  // Only an entry's key may change: when its enrollment row is re-keyed (a pair moved to
  // another course by hand), the foreign key's ON UPDATE CASCADE carries its history along.
  await knex.raw(`
    create trigger enrollment_history_append_only before update on enrollment_history for each row
      when ((old.id, old.at, old.action, old.from_status, old.to_status, old.reason,
             old.actor_key_id, old.actor_role, old.source)
        is distinct from (new.id, new.at, new.action, new.from_status, new.to_status, new.reason,
             new.actor_key_id, new.actor_role, new.source))
      execute function enrollment_history_refuse_update()`);

  await knex.raw(`
    create function registrar_change(out source text, out key_id integer, out role text, out reason text)
    language sql stable as $$
      select coalesce(c ->> 'source', 'system'), (c ->> 'keyId')::integer, c ->> 'role', c ->> 'reason'
      from (select nullif(current_setting('registrar.change', true), '')::jsonb as c) as setting
    $$`);

  await knex.raw(`
    create function promote_waitlisted(course_ids integer[]) returns void language plpgsql as $$
    begin
      -- A statement trigger fires for every UPDATE, also one that changes no row: without
      -- this return, the trigger of a promotion that promoted nobody would call here again.
      if cardinality(course_ids) = 0 then return; end if;
      -- The caller holds these courses' row locks; the counts it reads are exact.
      update student_courses sc set status = 'active', enrolled_at = now()
      from courses c
      cross join lateral (
        select w.student_id from student_courses w
        where w.course_id = c.id and w.status = 'waitlisted'
        order by w.waitlisted_at, w.student_id
        limit case when c.capacity is null then null else c.capacity - c.enrolled_count end
      ) head
      where c.id = any(course_ids)
        and c.waitlisted_count > 0
        and (c.capacity is null or c.enrolled_count < c.capacity)
        and sc.course_id = c.id and sc.student_id = head.student_id;
    end $$`);

  await knex.raw(`
    create or replace function student_courses_count_added() returns trigger language plpgsql as $$
    begin
      perform 1 from courses where id in (select course_id from added) order by id for update;
      update courses c set
        enrolled_count = c.enrolled_count + counted.active,
        waitlisted_count = c.waitlisted_count + counted.waitlisted
      from (
        select course_id,
          count(*) filter (where status = 'active')::int as active,
          count(*) filter (where status = 'waitlisted')::int as waitlisted
        from added group by course_id
      ) counted
      where c.id = counted.course_id and (counted.active <> 0 or counted.waitlisted <> 0);
      insert into enrollment_history
        (student_id, course_id, action, from_status, to_status, reason, actor_key_id, actor_role, source)
      select a.student_id, a.course_id, case a.status when 'active' then 'enrolled' else a.status end,
        null, a.status, change.reason, change.key_id, change.role, change.source
      from added a cross join registrar_change() change
      order by a.course_id, a.student_id;
      return null;
    end $$`);
  await knex.raw(`
    create or replace function student_courses_count_removed() returns trigger language plpgsql as $$
    begin
      perform 1 from courses where id in (select course_id from removed) order by id for update;
      update courses c set
        enrolled_count = c.enrolled_count - counted.active,
        waitlisted_count = c.waitlisted_count - counted.waitlisted
      from (
        select course_id,
          count(*) filter (where status = 'active')::int as active,
          count(*) filter (where status = 'waitlisted')::int as waitlisted
        from removed group by course_id
      ) counted
      where c.id = counted.course_id and (counted.active <> 0 or counted.waitlisted <> 0);
      -- a deleted student's seats go to the waitlists (no history: the rows are erased)
      perform promote_waitlisted(array(select distinct course_id from removed where status = 'active'));
      return null;
    end $$`);
  await knex.raw(`
    create or replace function student_courses_count_moved() returns trigger language plpgsql as $$
    begin
      perform 1 from courses
      where id in (select course_id from removed union select course_id from added)
      order by id for update;
      update courses c set
        enrolled_count = c.enrolled_count + counted.active,
        waitlisted_count = c.waitlisted_count + counted.waitlisted
      from (
        select course_id, sum(active)::int as active, sum(waitlisted)::int as waitlisted from (
          select course_id, (status = 'active')::int as active, (status = 'waitlisted')::int as waitlisted
          from added
          union all
          select course_id, -(status = 'active')::int, -(status = 'waitlisted')::int from removed
        ) changes group by course_id
      ) counted
      where c.id = counted.course_id and (counted.active <> 0 or counted.waitlisted <> 0);
      insert into enrollment_history
        (student_id, course_id, action, from_status, to_status, reason, actor_key_id, actor_role, source)
      select n.student_id, n.course_id,
        case
          when n.status = 'active' and o.status = 'waitlisted' then 'promoted'
          when n.status = 'active' then 'reactivated'
          else n.status
        end,
        o.status, n.status,
        case when promoted then null else change.reason end,
        case when promoted then null else change.key_id end,
        case when promoted then null else change.role end,
        case when promoted then 'system' else change.source end
      from removed o
      join added n on n.student_id = o.student_id and n.course_id = o.course_id
      cross join registrar_change() change
      cross join lateral (select n.status = 'active' and o.status = 'waitlisted' as promoted) kind
      where n.status <> o.status
      order by n.course_id, n.waitlisted_at nulls first, n.student_id;
      perform promote_waitlisted(array(select distinct course_id from removed where status = 'active'));
      return null;
    end $$`);
  await knex.raw(`
    create or replace function student_courses_count_truncated() returns trigger language plpgsql as $$
    begin
      update courses set enrolled_count = 0, waitlisted_count = 0
      where enrolled_count <> 0 or waitlisted_count <> 0;
      return null;
    end $$`);

  await knex.raw(`
    create function courses_capacity_raised() returns trigger language plpgsql as $$
    begin
      perform promote_waitlisted(array[new.id]);
      return null;
    end $$`);
  await knex.raw(`
    create trigger courses_capacity_raised after update of capacity on courses for each row
      when (new.waitlisted_count > 0 and (new.capacity is null or new.capacity > old.capacity))
      execute function courses_capacity_raised()`);
}

/**
 * Back to enrollments without statuses. A row that is not active would read as an
 * enrollment there (and could overfill its course), so the rollback refuses while any
 * exists, names how many, and changes nothing: deleting them is a decision for a person.
 * The history table goes with the shape it describes.
 */
export async function down(knex: Knex): Promise<void> {
  const inactive = await knex.raw<{ rows: Array<{ status: string; n: number }> }>(
    "select status, count(*)::int as n from student_courses where status <> 'active' group by status order by status",
  );
  if (inactive.rows.length > 0) {
    const list = inactive.rows.map((row) => `${row.n} ${row.status}`).join(", ");
    throw new Error(
      `student_courses holds enrollments that are not active (${list}); the schema before ` +
        "20261201000200 cannot tell them from active ones. Delete them first if that is intended; nothing was changed.",
    );
  }
  await knex.raw("drop trigger courses_capacity_raised on courses");
  await knex.raw("drop function courses_capacity_raised()");
  await knex.raw(originalCounting("added", "+"));
  await knex.raw(originalCounting("removed", "-"));
  await knex.raw(`
    create or replace function student_courses_count_moved() returns trigger language plpgsql as $$
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
    create or replace function student_courses_count_truncated() returns trigger language plpgsql as $$
    begin
      update courses set enrolled_count = 0 where enrolled_count <> 0;
      return null;
    end $$`);
  await knex.raw("drop function promote_waitlisted(integer[])");
  await knex.raw("drop function registrar_change()");
  await knex.raw("drop table enrollment_history");
  await knex.raw("drop function enrollment_history_refuse_update()");
  await knex.raw(`
    alter table courses
      drop constraint courses_waitlisted_count_within_capacity,
      drop column waitlisted_count,
      drop column waitlist_capacity`);
  await knex.raw(`
    alter table student_courses
      drop column dropped_at, drop column end_date, drop column begin_date,
      drop column waitlisted_at, drop column status`);
}

/** The counting functions as 20261127000500 made them. */
function originalCounting(rows: "added" | "removed", sign: "+" | "-"): string {
  return `
    create or replace function student_courses_count_${rows}() returns trigger language plpgsql as $$
    begin
      perform 1 from courses where id in (select course_id from ${rows}) order by id for update;
      update courses c set enrolled_count = c.enrolled_count ${sign} counted.n
      from (select course_id, count(*)::int as n from ${rows} group by course_id) counted
      where c.id = counted.course_id;
      return null;
    end $$`;
}
