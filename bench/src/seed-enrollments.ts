import { availableParallelism } from "node:os";
import pg from "pg";
import { type DatasetShape, enrollLikeSeed } from "./dataset.ts";

/**
 * The seed's enrollments written as the database's triggers would write them (the
 * enrollments, each one's history entry and event, the courses' counts, the students'
 * enrollment versions), but by set-based statements of the bench's own with the triggers
 * off (`session_replication_role = replica`, this session only).
 *
 * Why: at `--scale large` the triggers' path took 45 s for 1,000,000 enrollments plus 17 s
 * for the relay to position their events. Most of it was building each event's JSON
 * (`enrollment_event_data` rebuilds the course's 13 keys for every row: ~40 µs a row,
 * EXPLAIN ANALYZE) and the relay's UPDATE rewriting 1,000,000 event rows. Here the JSON
 * is built by that same function once per course and only `student_id` is set per row (every
 * seeded row of a course is alike but for it), and the events are written with their feed
 * positions, so the relay has nothing to do.
 *
 * What stays exactly as the triggers write it, and `checkSeedMatchesTriggers` compares
 * with the triggers' own output on a small data set before every bench run: the rows, their
 * order (history ids and event ids in (course, student) order, as one statement's triggers
 * number them), each entry's and event's timestamp (its enrollment's `enrolled_at`: the
 * transaction's `now()` the triggers would use), the counts and the versions (1: the API
 * enrolls a student's courses in one request).
 */
export async function enrollSetBased(
  url: string,
  shape: DatasetShape,
  first: number,
  last: number,
  of: number = Math.max(1, Math.min(4, availableParallelism())),
): Promise<{ enrollments: number; steps: Record<string, number> }> {
  const steps: Record<string, number> = {};
  const shares = Array.from({ length: of }, (_, index) => ({ index, of }));
  const client = await connect(url);
  try {
    const pending = await client.query<{ n: number }>(
      "select count(*)::int as n from events where id is null",
    );
    if (pending.rows[0]?.n !== 0) {
      throw new Error("events without a feed position before the enrollments: run the relay first");
    }
    let started = performance.now();
    const inserted = await onEveryShare(url, shares, async (share, session) => {
      await session.query("begin");
      const written = await enrollLikeSeed(session, shape, first, last, share);
      // The count triggers' statement, for this share's courses (no other share touches them).
      await session.query(
        `update courses c set
           enrolled_count = c.enrolled_count + counted.active,
           waitlisted_count = c.waitlisted_count + counted.waitlisted
         from (
           select course_id,
             count(*) filter (where status = 'active')::int as active,
             count(*) filter (where status = 'waitlisted')::int as waitlisted
           from student_courses where course_id % $2::int = $1::int
           group by course_id
         ) counted
         where c.id = counted.course_id and (counted.active <> 0 or counted.waitlisted <> 0)`,
        [share.index, share.of],
      );
      await session.query("commit");
      return written;
    });
    const enrollments = inserted.reduce((sum, n) => sum + n, 0);
    steps.enrollments = performance.now() - started;

    started = performance.now();
    await client.query(
      `insert into student_enrollment_versions as v (student_id, version)
       select distinct student_id, 1 from student_courses where student_id between $1::int and $2::int
       order by student_id
       on conflict (student_id) do update set version = v.version + 1`,
      [first, last],
    );
    // Where the triggers' numbering would start: the next value of each sequence, and the
    // feed's head (every earlier event is positioned, checked above).
    const bases = await client.query<{ history: string; recorded: string; feed: string }>(
      `select coalesce(pg_sequence_last_value('enrollment_history_id_seq'), 0) as history,
              coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'recorded_id')::regclass), 0) as recorded,
              (select last_id from event_feed_head) as feed`,
    );
    const base = bases.rows[0];
    if (!base) throw new Error("no sequence state");
    steps.versions = performance.now() - started;

    started = performance.now();
    const alike = await client.query<{ odd: number }>(
      `select count(*)::int as odd from (
         select course_id from student_courses where student_id between $1::int and $2::int
         group by course_id
         having count(distinct enrolled_at) <> 1 or bool_or(status <> 'active' or waitlisted_at is not null
           or begin_date is not null or end_date is not null or dropped_at is not null)
       ) courses`,
      [first, last],
    );
    if (alike.rows[0]?.odd !== 0)
      throw new Error("seeded enrollments of a course differ beyond their student");
    const written = await onEveryShare(url, shares, async (share, session) => {
      await session.query("begin");
      // Entry n of the enrollments in (course, student) order: the courses before this one
      // hold `before` of them (their counts, all committed now). Then one event per entry, as
      // the history trigger writes it, with the JSON of one enrollment_event_data call per
      // course (on its first student's row, found through the primary key: the seed builds
      // the other indexes afterwards) and student_id set per row: every seeded row of a
      // course is alike but for student_id (checked above).
      const result = await session.query<{ entries: number; events: number }>(
        `with entries as (
           insert into enrollment_history
             (id, at, student_id, course_id, action, from_status, to_status, reason, actor_key_id, actor_role, source)
           select $3::bigint + o.before + row_number() over (partition by e.course_id order by e.student_id),
             e.enrolled_at, e.student_id, e.course_id, case e.status when 'active' then 'enrolled' else e.status end,
             null, e.status, change.reason, change.key_id, change.role, change.source
           from student_courses e
           join (
             select id, coalesce(sum(enrolled_count + waitlisted_count)
               over (order by id rows between unbounded preceding and 1 preceding), 0) as before
             from courses
           ) o on o.id = e.course_id
           cross join registrar_change() change
           where e.course_id % $2::int = $1::int and e.student_id between $6::int and $7::int
           returning id, at, student_id, course_id, action
         ), templates as materialized (
           select c.id as course_id, enrollment_event_data(r, c) as data, r.enrolled_at
           from (
             select course_id, min(student_id) as student_id from student_courses
             where course_id % $2::int = $1::int and student_id between $6::int and $7::int
             group by course_id
           ) head
           join student_courses r on r.student_id = head.student_id and r.course_id = head.course_id
           join courses c on c.id = head.course_id
         ), positioned as (
           insert into events (recorded_id, id, type, occurred_at, data) overriding system value
           select $4::bigint + h.id - $3::bigint, $5::bigint + h.id - $3::bigint, 'enrollment.' || h.action, h.at,
             t.data || jsonb_build_object('student_id', h.student_id)
           from entries h join templates t on t.course_id = h.course_id and t.enrolled_at = h.at
           returning 1
         )
         select (select count(*)::int from entries) as entries, (select count(*)::int from positioned) as events`,
        [share.index, share.of, base.history, base.recorded, base.feed, first, last],
      );
      const counted = result.rows[0];
      if (!counted || counted.entries !== counted.events) {
        throw new Error(`history entries and events differ: ${JSON.stringify(counted)}`);
      }
      await session.query("commit");
      return counted.entries;
    });
    const entries = written.reduce((sum, n) => sum + n, 0);
    if (entries !== enrollments) throw new Error(`${enrollments} enrollments but ${entries} history entries`);
    await client.query("select setval('enrollment_history_id_seq', $1::bigint)", [
      Number(base.history) + entries,
    ]);
    await client.query("select setval(pg_get_serial_sequence('events', 'recorded_id'), $1::bigint)", [
      Number(base.recorded) + entries,
    ]);
    await client.query("update event_feed_head set last_id = last_id + $1::bigint", [entries]);
    steps.historyAndEvents = performance.now() - started;
    return { enrollments, steps };
  } finally {
    await client.end();
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

type Share = { index: number; of: number };

/** `work` for each share on a connection of its own with the triggers off, side by side. */
async function onEveryShare<T>(
  url: string,
  shares: Share[],
  work: (share: Share, session: pg.Client) => Promise<T>,
): Promise<T[]> {
  return Promise.all(
    shares.map(async (share) => {
      const session = await connect(url);
      try {
        // Triggers (and the foreign keys' checks, which are triggers) off for this session
        // only: the statements above write what they would have. Needs a superuser, which
        // the bench's PostgreSQL user is (it creates and drops databases).
        await session.query("set session_replication_role = replica");
        // Room for the window's sort of a share in memory (4 MB spilled it to disk).
        await session.query("set work_mem = '64MB'");
        return await work(share, session);
      } finally {
        await session.end();
      }
    }),
  );
}

/**
 * Drops the indexes of `tables` that no constraint needs (neither unique nor a primary key)
 * and returns what builds them again, with the same definitions: one build from sorted rows
 * costs much less than a million inserts into each (EXPLAIN ANALYZE of the seed: ~20 µs per
 * history row, most of it index maintenance; GIN trigram indexes of students alike).
 */
export async function dropSecondaryIndexes(
  client: pg.Client,
  tables: string[],
): Promise<() => Promise<void>> {
  const found = await client.query<{ name: string; definition: string }>(
    `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i
     join pg_class c on c.oid = i.indexrelid
     join pg_class t on t.oid = i.indrelid
     where t.relname = any($1::text[]) and t.relnamespace = current_schema()::regnamespace
       and not i.indisunique and not i.indisprimary
     order by c.relname`,
    [tables],
  );
  for (const index of found.rows) await client.query(`drop index ${index.name}`);
  return async () => {
    await client.query("set maintenance_work_mem = '256MB'");
    for (const index of found.rows) await client.query(index.definition);
    await client.query("reset maintenance_work_mem");
  };
}
