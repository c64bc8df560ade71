import type { Knex } from "knex";

/**
 * `events`: the transactional outbox behind `GET /events` and the webhooks (contract v1.1,
 * "Events and webhooks"). Every change records its event in the transaction that makes it,
 * written by the database itself, so that no writer (the services, the OneRoster import's
 * set-based SQL, the promotions of the lifecycle triggers, psql) can change a row without
 * its event, and no rolled-back change leaves one:
 *
 * - `student.*`, `course.*`, `term.*` (`created | updated | deleted`): statement-level
 *   triggers on the three tables with transition tables, so a statement that writes 1,000
 *   rows writes their 1,000 events in one INSERT. An UPDATE that changes nothing records
 *   nothing (`is distinct from` on the row without `updated_at`, so re-importing the same
 *   data is silent: as JSON for students and terms, by named columns for courses, see
 *   `resources`); a course's `enrolled_count`/`waitlisted_count` are left out of that
 *   comparison too, because they are the enrollments' counts, reported by the enrollment
 *   events, and would otherwise double every enrollment change with a `course.updated`.
 * - `enrollment.*`: a statement-level trigger on `enrollment_history`, whose entries the
 *   lifecycle triggers (20261201000200) write one per status change, so there is one event
 *   per entry and the event type is `enrollment.` + the entry's action.
 * - `data` is the resource after the change in its REST shape (snake_case, as its GET
 *   answers it), built by one SQL function per shape (`student_event_data`,
 *   `course_event_data`, `term_event_data`, `enrollment_event_data`); `{ id }` when
 *   deleted. apps/server/test/events.test.ts compares each with its GET so they cannot drift.
 *
 * Feed order (why two ids): `recorded_id` is the order rows were inserted, taken from an
 * identity when the writing transaction runs; a transaction that took a lower one can commit
 * after a higher one was already read, so it cannot be the feed's cursor. The public `id`
 * (the feed position) is null when written and assigned later by `assign_event_ids()` (the
 * relay) to rows that are already committed, under one advisory lock, in one statement
 * whose snapshot is taken after the lock: each run's ids are all above every earlier run's
 * and become visible together at its commit, so any reader sees a prefix of the feed and a
 * consumer that asks `after=<last id seen>` can never skip one. The counter lives in
 * `event_feed_head`, not in `max(id)`, so that retention deleting every event never makes
 * ids start again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table events (
      recorded_id bigint generated always as identity primary key,
      id bigint constraint events_id_unique unique,
      type text not null constraint events_type_check check (type in (
        'student.created', 'student.updated', 'student.deleted',
        'course.created', 'course.updated', 'course.deleted',
        'term.created', 'term.updated', 'term.deleted',
        'enrollment.enrolled', 'enrollment.waitlisted', 'enrollment.promoted',
        'enrollment.dropped', 'enrollment.completed', 'enrollment.reactivated')),
      occurred_at timestamptz not null default now(),
      data jsonb not null
    )`);
  // The relay's work list: the rows without a feed position, in the order they were recorded.
  await knex.raw("create index events_unassigned_index on events (recorded_id) where id is null");
  // The retention sweep's range.
  await knex.raw("create index events_occurred_at_index on events (occurred_at)");
  await knex.raw(`
    create table event_feed_head (
      singleton boolean primary key default true constraint event_feed_head_singleton check (singleton),
      last_id bigint not null
    )`);
  await knex.raw("insert into event_feed_head (last_id) values (0)");

  // ---- the REST shapes, one function each ----------------------------------------------
  // Timestamps as the API writes them (timestamps.ts): UTC, milliseconds truncated.
  await knex.raw(`
    create function event_timestamp(at timestamptz) returns text language sql stable as $$
      select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    $$`);
  await knex.raw(`
    create function student_event_data(s students) returns jsonb language sql stable as $$
      select jsonb_build_object(
        'id', s.id, 'name', s.name, 'email', s.email,
        'created_at', event_timestamp(s.created_at), 'updated_at', event_timestamp(s.updated_at),
        'sourced_id', s.sourced_id)
    $$`);
  await knex.raw(`
    create function course_event_data(c courses) returns jsonb language sql stable as $$
      select jsonb_build_object(
        'id', c.id, 'name', c.name, 'level', c.level, 'capacity', c.capacity,
        'enrolled_count', c.enrolled_count,
        'created_at', event_timestamp(c.created_at), 'updated_at', event_timestamp(c.updated_at),
        'code', c.code, 'term_id', c.term_id, 'waitlist_capacity', c.waitlist_capacity,
        'waitlisted_count', c.waitlisted_count, 'sourced_id', c.sourced_id)
    $$`);
  await knex.raw(`
    create function term_event_data(t terms) returns jsonb language sql stable as $$
      select jsonb_build_object(
        'id', t.id, 'name', t.name, 'type', t.type,
        'starts_on', to_char(t.starts_on, 'YYYY-MM-DD'), 'ends_on', to_char(t.ends_on, 'YYYY-MM-DD'),
        'parent_id', t.parent_id, 'sourced_id', t.sourced_id,
        'created_at', event_timestamp(t.created_at), 'updated_at', event_timestamp(t.updated_at))
    $$`);
  // The enrolled-course item of GET /students/{id}/courses plus student_id. The waitlist
  // position is counted as StudentCourse.waitlistPositionColumn counts it, in a function of
  // its own: a subquery in enrollment_event_data would keep PostgreSQL from inlining it,
  // which made building 1,000 events' data about 1.7 times slower.
  await knex.raw(`
    create function event_waitlist_position(e student_courses) returns integer language sql stable as $$
      select count(*)::int from student_courses ahead
      where ahead.course_id = e.course_id and ahead.status = 'waitlisted'
        and (ahead.waitlisted_at, ahead.student_id) <= (e.waitlisted_at, e.student_id)
    $$`);
  await knex.raw(`
    create function enrollment_event_data(e student_courses, c courses) returns jsonb language sql stable as $$
      select course_event_data(c) || jsonb_build_object(
        'student_id', e.student_id,
        'enrolled_at', event_timestamp(e.enrolled_at),
        'status', e.status,
        'waitlist_position', case when e.status = 'waitlisted' then event_waitlist_position(e) end,
        'begin_date', to_char(e.begin_date, 'YYYY-MM-DD'),
        'end_date', to_char(e.end_date, 'YYYY-MM-DD'),
        'dropped_at', event_timestamp(e.dropped_at))
    $$`);

  // ---- students, courses, terms ------------------------------------------------------------
  for (const resource of resources) {
    await knex.raw(`
      create function ${resource.table}_record_created() returns trigger language plpgsql as $$
      begin
        insert into events (type, data)
        select '${resource.type}.created', ${resource.type}_event_data(n) from created n order by n.id;
        return null;
      end $$`);
    await knex.raw(`
      create function ${resource.table}_record_updated() returns trigger language plpgsql as $$
      begin
        insert into events (type, data)
        select '${resource.type}.updated', ${resource.type}_event_data(n)
        from before_change o join changed n on n.id = o.id
        where ${resource.changed}
        order by n.id;
        return null;
      end $$`);
    await knex.raw(`
      create function ${resource.table}_record_deleted() returns trigger language plpgsql as $$
      begin
        insert into events (type, data)
        select '${resource.type}.deleted', jsonb_build_object('id', o.id) from removed o order by o.id;
        return null;
      end $$`);
    await knex.raw(`
      create trigger ${resource.table}_event_created after insert on ${resource.table}
        referencing new table as created for each statement
        execute function ${resource.table}_record_created()`);
    await knex.raw(`
      create trigger ${resource.table}_event_updated after update on ${resource.table}
        referencing old table as before_change new table as changed for each statement
        execute function ${resource.table}_record_updated()`);
    await knex.raw(`
      create trigger ${resource.table}_event_deleted after delete on ${resource.table}
        referencing old table as removed for each statement
        execute function ${resource.table}_record_deleted()`);
  }

  // ---- enrollments: one event per history entry ---------------------------------------------
  await knex.raw(`
    create function enrollment_history_record_events() returns trigger language plpgsql as $$
    begin
      insert into events (type, data)
      select 'enrollment.' || h.action, enrollment_event_data(e, c)
      from entries h
      join student_courses e on e.student_id = h.student_id and e.course_id = h.course_id
      join courses c on c.id = h.course_id
      order by h.id;
      return null;
    end $$`);
  await knex.raw(`
    create trigger enrollment_history_events after insert on enrollment_history
      referencing new table as entries for each statement
      execute function enrollment_history_record_events()`);

  // ---- the relay ------------------------------------------------------------------------------
  // Gives the committed events without an id theirs, in recorded order, at most `batch` of
  // them; returns how many. Call it in a transaction of its own (Event.assignIds): the lock
  // is held to the commit, which is what makes one run's ids visible before the next run's.
  // PL/pgSQL so that the UPDATE, a statement of its own, takes its snapshot after the lock
  // (READ COMMITTED): it then sees every id an earlier run committed, and only committed rows.
  await knex.raw(`
    create function assign_event_ids(batch integer) returns integer language plpgsql as $$
    declare
      assigned integer;
    begin
      if not exists (select 1 from events where id is null) then return 0; end if;
      perform pg_advisory_xact_lock(${EVENT_RELAY_LOCK});
      with pending as (
        select recorded_id, row_number() over (order by recorded_id) as n
        from (select recorded_id from events where id is null order by recorded_id limit batch) p
      ), head as (
        update event_feed_head set last_id = last_id + (select count(*) from pending)
        returning last_id - (select count(*) from pending) as base
      )
      update events e set id = head.base + pending.n
      from pending, head
      where e.recorded_id = pending.recorded_id;
      get diagnostics assigned = row_count;
      return assigned;
    end $$`);
}

/** The advisory lock key of the relay: an arbitrary constant ("events" in ASCII). */
const EVENT_RELAY_LOCK = 0x6576656e7473;

/** The three resources with row events, and what counts as a change of each (20261205000100 reuses them). */
export const resources = [
  {
    table: "students",
    type: "student",
    changed: "to_jsonb(o) - 'updated_at' is distinct from to_jsonb(n) - 'updated_at'",
  },
  {
    table: "courses",
    type: "course",
    // Named columns rather than the JSON of the row: the count triggers update 1,000 course
    // rows for an assignment of 1,000 courses, and turning each row into JSON twice cost more
    // than the rest of this migration's work on that path. apps/server/test/events.test.ts
    // fails when courses gains a column this list does not name.
    changed: `(o.name, o.level, o.capacity, o.created_at, o.code, o.term_id, o.waitlist_capacity, o.sourced_id)
      is distinct from (n.name, n.level, n.capacity, n.created_at, n.code, n.term_id, n.waitlist_capacity, n.sourced_id)`,
  },
  {
    table: "terms",
    type: "term",
    changed: "to_jsonb(o) - 'updated_at' is distinct from to_jsonb(n) - 'updated_at'",
  },
] as const;

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop function assign_event_ids(integer)");
  await knex.raw("drop trigger enrollment_history_events on enrollment_history");
  await knex.raw("drop function enrollment_history_record_events()");
  for (const resource of resources) {
    for (const kind of ["created", "updated", "deleted"]) {
      await knex.raw(`drop trigger ${resource.table}_event_${kind} on ${resource.table}`);
      await knex.raw(`drop function ${resource.table}_record_${kind}()`);
    }
  }
  await knex.raw("drop function enrollment_event_data(student_courses, courses)");
  await knex.raw("drop function event_waitlist_position(student_courses)");
  await knex.raw("drop function term_event_data(terms)");
  await knex.raw("drop function course_event_data(courses)");
  await knex.raw("drop function student_event_data(students)");
  await knex.raw("drop function event_timestamp(timestamptz)");
  await knex.raw("drop table event_feed_head");
  await knex.raw("drop table events");
}
