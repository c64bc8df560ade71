import type { Knex } from "knex";
import { resources } from "./20261203000100_create_events.ts";

/**
 * The triggers that pair an UPDATE's old rows with its new ones (the `*.updated` events of
 * students, courses and terms, 20261203000100; the history entries of enrollment status
 * changes, 20261201000200) now join the two transition tables with a FULL JOIN, which
 * PostgreSQL can only run as a hash or a merge join, kept full by a filter the planner
 * cannot use to turn it into an inner join (`coalesce(…, false)` is not strict).
 *
 * Why: PL/pgSQL plans each statement of a trigger once per connection, at its first call,
 * from that call's row counts, and keeps the plan. On a pooled connection the first call is
 * almost always a small write (one course's count moves; the UPDATE half of an
 * `INSERT … ON CONFLICT DO UPDATE` fires the UPDATE triggers with empty tables), so the
 * inner join was planned as a nested loop over the two tuplestores, which compares every
 * old row with every new one. Measured on the bench database: assigning 1,000 courses spent
 * 182 ms of its 212 ms INSERT in that loop (the `course.updated` check of the 1,000 count
 * updates, which finds nothing to record), against 64 ms for the same INSERT on a
 * connection whose first call was large; a status change of 10,000 enrollments after a
 * one-row change on the same connection took 6.8 s, 0.31 s with this join. A one-row change
 * costs the same either way.
 *
 * The rows written are the same: an UPDATE's two tables hold the same rows, and a row on
 * one side only (an UPDATE of a key column) is left out, as the inner join left it out.
 * trigger-plans.test.ts checks the plan a connection keeps.
 */
export async function up(knex: Knex): Promise<void> {
  for (const resource of resources) await knex.raw(recordUpdated(resource, "full"));
  await knex.raw(countMoved("full"));
}

export async function down(knex: Knex): Promise<void> {
  for (const resource of resources) await knex.raw(recordUpdated(resource, "inner"));
  await knex.raw(countMoved("inner"));
}

type Pairing = "full" | "inner";

/** `from before_change o <join> changed n …`, with `condition` as the pairs kept. */
function pairing(kind: Pairing, condition: string): { join: string; where: string } {
  return kind === "full"
    ? { join: "full join", where: `coalesce(${condition}, false)` }
    : { join: "join", where: condition };
}

function recordUpdated(resource: (typeof resources)[number], kind: Pairing): string {
  const { join, where } = pairing(
    kind,
    kind === "full" ? `n.id = o.id and (${resource.changed})` : resource.changed,
  );
  return `
    create or replace function ${resource.table}_record_updated() returns trigger language plpgsql as $$
    begin
      insert into events (type, data)
      select '${resource.type}.updated', ${resource.type}_event_data(n)
      from before_change o ${join} changed n on n.id = o.id
      where ${where}
      order by n.id;
      return null;
    end $$`;
}

/** student_courses_count_moved as 20261201000200 made it, its history entries paired by `kind`. */
function countMoved(kind: Pairing): string {
  const { join, where } = pairing(kind, "n.status <> o.status");
  return `
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
      ${join} added n on n.student_id = o.student_id and n.course_id = o.course_id
      cross join registrar_change() change
      cross join lateral (select n.status = 'active' and o.status = 'waitlisted' as promoted) kind
      where ${where}
      order by n.course_id, n.waitlisted_at nulls first, n.student_id;
      perform promote_waitlisted(array(select distinct course_id from removed where status = 'active'));
      return null;
    end $$`;
}
