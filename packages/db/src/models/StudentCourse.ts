import type { Knex } from "knex";
import { type Raw, type RelationMappings, raw } from "objection";
import { preparedQuery } from "../prepared-query.ts";
import { Course } from "./Course.ts";
import { RegistrarModel } from "./RegistrarModel.ts";
import { Student } from "./Student.ts";

export type EnrollmentStatus = "active" | "waitlisted" | "dropped" | "completed";

/**
 * Who makes a change of enrollments, for its history entries: the API key and its role (both
 * null without auth), the surface it came through, and the reason given (a drop's).
 */
export type EnrollmentChange = {
  source: "rest" | "trpc" | "import" | "system";
  keyId: number | null;
  role: string | null;
  reason: string | null;
};

/** An enrollment as the OneRoster import reads it. */
export type ImportedEnrollment = {
  studentId: number;
  courseId: number;
  status: EnrollmentStatus;
  beginDate: string | null;
  endDate: string | null;
};

/** One enrollment: the row of the `student_courses` join table. */
export class StudentCourse extends RegistrarModel {
  static override tableName = "student_courses";
  static override idColumn = ["student_id", "course_id"];

  studentId!: number;
  courseId!: number;
  /** ISO-8601, as the API returns it (timestamps.ts): when it last became active (or was waitlisted) */
  enrolledAt!: string;
  status!: EnrollmentStatus;
  /** when it joined the waitlist: its place in the queue (positions are counted, never stored) */
  waitlistedAt!: string | null;
  /** `YYYY-MM-DD` (an imported enrollment's own dates) */
  beginDate!: string | null;
  endDate!: string | null;
  droppedAt!: string | null;

  student?: Student;
  course?: Course;

  static override relationMappings = (): RelationMappings => ({
    student: {
      relation: RegistrarModel.BelongsToOneRelation,
      modelClass: Student,
      join: { from: "student_courses.student_id", to: "students.id" },
    },
    course: {
      relation: RegistrarModel.BelongsToOneRelation,
      modelClass: Course,
      join: { from: "student_courses.course_id", to: "courses.id" },
    },
  });

  /**
   * A select-list entry that records, for the rest of the transaction, who makes the change:
   * the triggers on `student_courses` write it into each history entry (migration
   * 20261201000200, `registrar_change()`). Put it in the first statement of a write (the one
   * that locks the student), so that it costs no statement of its own.
   *
   * Raw SQL because it is a function call with a parameter, which Objection's select cannot
   * bind; `set_config(…, true)` is transaction-local, so nothing outlives the transaction
   * (safe behind a transaction-mode pooler).
   */
  static recordChange(change: string): Raw {
    return raw("set_config('registrar.change', ?, true) as change", [change]);
  }

  /**
   * `waitlistPosition`: a waitlisted row's 1-based place in its course's waitlist, null for
   * any other status; counted, never stored, so nobody renumbers a waitlist when its head
   * is promoted or someone leaves it.
   *
   * A count of the rows ahead (served by the partial index on the waitlist, migration
   * 20261201000200) rather than a window function: a window in the page's own query would
   * number the rows of the page (after the cursor and the status filter), not the
   * waitlist, and a window over the course's whole waitlist computes every position to
   * answer one. Raw SQL because it is a correlated scalar subquery in a select list that
   * must also work inside the relation queries and `preparedQuery`.
   */
  static waitlistPositionColumn(table = "student_courses"): Raw {
    return raw(
      `case when ??.status = 'waitlisted' then (
         select count(*)::int from student_courses ahead
         where ahead.course_id = ??.course_id and ahead.status = 'waitlisted'
           and (ahead.waitlisted_at, ahead.student_id) <= (??.waitlisted_at, ??.student_id)
       ) end as "waitlistPosition"`,
      [table, table, table, table],
    );
  }

  /** `column = any(?::text[])`: whether a status column is one of `statuses`, as one array parameter (see RegistrarModel.isAnyOf). */
  static statusIsAnyOf(column: string, statuses: readonly string[]): Raw {
    return raw("?? = any(?::text[])", [column, statuses]);
  }

  /**
   * `left join lateral (…) as student_courses on true` and its bindings, for `joinRaw`: a page of a course's enrollments
   * (the outer query's `courses`) by student id, after `afterStudentId`, in `statuses`, at
   * most `limit` rows. Raw SQL because knex has no lateral join. Why lateral: a plain left
   * join cannot hand its rows on in the index's order, so PostgreSQL joined every enrollment
   * of the course and its student before sorting for the page (EXPLAIN ANALYZE at 1,000
   * students a course: 32 ms); the lateral subquery stops after `limit` index entries
   * (0.9 ms), whatever the course's size.
   */
  static coursePageJoin(
    afterStudentId: number,
    statuses: readonly string[],
    limit: number,
  ): [sql: string, bindings: unknown[]] {
    return [
      `left join lateral (
         select page.* from student_courses page
         where page.course_id = courses.id and page.student_id > ? and page.status = any(?::text[])
         order by page.student_id limit ?
       ) as student_courses on true`,
      [afterStudentId, statuses, limit],
    ];
  }

  /** {@link statusIsAnyOf} for a join's condition, which takes knex's own raw (bound to `db`). */
  static statusIsAnyOfInJoin(db: Knex, column: string, statuses: readonly string[]): Knex.Raw {
    return db.raw("?? = any(?::text[])", [column, statuses as string[]]);
  }

  /**
   * `left join lateral (…) as student_courses on true` and its bindings, for `joinRaw`: a
   * page of a course's waitlist (the outer query's `courses`) in waitlist order, after a
   * place, at most `limit` rows, each with its `waitlist_position` (select it with
   * {@link waitlistPagePositionColumn}) and its place (`waitlistPlaceColumn`). The place is
   * `afterWaitlistedAtMicros` (microseconds since the epoch, as text; "" for none) and
   * `afterStudentId`; without the first, the pair of `afterStudentId` is looked up (0: from
   * the head). Raw SQL for the lateral join, the row-value comparison and the window, which
   * knex has no builder for.
   *
   * As {@link coursePageJoin}, the page stops after `limit` entries of the waitlist's index
   * instead of joining and sorting the whole waitlist. The rows of a page are consecutive in
   * the waitlist, so their positions are the count of those still waiting up to the place
   * (once a page) plus their number in the page, where {@link waitlistPositionColumn}
   * counts along the waitlist for each row (50 counts of ~2,900 entries each, a page deep in
   * a waitlist of 3,000). The place is compared as one row value, which the index takes as
   * where to start: from the head (0), the smallest place there is; after a looked-up pair
   * that is no longer there, none (an empty page): cursors carry the place since.
   * `interval * bigint` goes through double precision, exact for microseconds until 2255.
   */
  static waitlistPageJoin(
    afterStudentId: number,
    afterWaitlistedAtMicros: string,
    limit: number,
  ): [sql: string, bindings: unknown[]] {
    const place = `(coalesce(timestamptz 'epoch' + nullif(?, '')::bigint * interval '1 microsecond',
                      (select after.waitlisted_at from student_courses after
                        where after.course_id = courses.id and after.student_id = ?),
                      case when ? = 0 then '-infinity'::timestamptz end),
                    ?::int)`;
    const placeBindings = [afterWaitlistedAtMicros, afterStudentId, afterStudentId, afterStudentId];
    return [
      `left join lateral (
         select page.*,
           (select count(*)::int from student_courses ahead
             where ahead.course_id = courses.id and ahead.status = 'waitlisted'
               and (ahead.waitlisted_at, ahead.student_id) <= ${place})
           + row_number() over (order by page.waitlisted_at, page.student_id) as waitlist_position
         from student_courses page
         where page.course_id = courses.id and page.status = 'waitlisted'
           and (page.waitlisted_at, page.student_id) > ${place}
         order by page.waitlisted_at, page.student_id limit ?
       ) as student_courses on true`,
      [...placeBindings, ...placeBindings, limit],
    ];
  }

  /** `waitlistPosition` of a {@link waitlistPageJoin} row: its place, counted there. */
  static waitlistPagePositionColumn(): Raw {
    return raw(`student_courses.waitlist_position::int as "waitlistPosition"`);
  }

  /**
   * `waitlistPlace` of a {@link waitlistPageJoin} row: its `waitlisted_at` in microseconds
   * since the epoch, as text (int8 arrives as a string), for the next page's cursor.
   */
  static waitlistPlaceColumn(): Raw {
    return raw(
      `(extract(epoch from student_courses.waitlisted_at) * 1000000)::bigint::text as "waitlistPlace"`,
    );
  }

  /** The setting {@link recordChange} takes: the change as JSON. */
  static changeSetting(change: EnrollmentChange): string {
    return JSON.stringify(change);
  }

  /**
   * Gives `studentId` each of `courseIds` with its status (`active` or `waitlisted`), in one
   * statement: a new pair is inserted, a dropped or completed one takes the new status, an
   * active or waitlisted one is left alone. Resolves to the pairs it changed (in no
   * particular order). The caller holds the student's and the courses' locks and has
   * checked the seats (see packages/core enrollments.ts); the database's CHECKs on the
   * counts are the last word, and its triggers write the history entries.
   *
   * A waitlisted pair's place is `clock_timestamp()`, not the transaction's `now()`: it is
   * taken under the course's row lock, so it orders the waitlist by the order in which
   * students joined it, where a transaction's start time would put one that started first
   * but waited for the lock ahead of those that joined before it.
   *
   * Raw SQL because Objection's insert takes rows: 1,000 courses become 1,000 models and
   * a VALUES list of 2,000 parameters, a different statement for every number of courses,
   * which took 2.6 ms of CPU to build for 1,000 before PostgreSQL parsed and planned it;
   * and with `on conflict … where` fewer rows come back than went in, which Objection pairs
   * with its models by position. `insert … select from unnest` is one statement with three
   * parameters for any number of courses, prepared once.
   */
  static enroll = preparedQuery<
    { studentId: number; courseIds: number[]; statuses: EnrollmentStatus[] },
    { courseId: number; status: EnrollmentStatus }
  >("enroll", { studentId: "integer", courseIds: "list", statuses: "list" }, (db, p) =>
    db.raw(
      `insert into student_courses as sc (student_id, course_id, status, enrolled_at, waitlisted_at)
       select ?, t.course_id, t.status, now(), case when t.status = 'waitlisted' then clock_timestamp() end
       from unnest(?::int[], ?::text[]) as t(course_id, status)
       on conflict (student_id, course_id) do update
         set status = excluded.status, enrolled_at = excluded.enrolled_at,
             waitlisted_at = excluded.waitlisted_at, dropped_at = null
         where sc.status in ('dropped', 'completed')
       returning course_id as "courseId", status`,
      [p.studentId, p.courseIds, p.statuses],
    ),
  );

  // ---- OneRoster import (packages/core/src/oneroster). Raw SQL for the reason given in Student.ts.

  /** Records who makes the following changes (see {@link recordChange}), as a statement of its own. */
  static async setChangeForImport(db: Knex, change: EnrollmentChange): Promise<void> {
    await db.raw("select set_config('registrar.change', ?, true)", [StudentCourse.changeSetting(change)]);
  }

  /** The enrollments of the given (locked) courses. */
  static async ofCoursesForImport(db: Knex, courseIds: number[]): Promise<ImportedEnrollment[]> {
    if (courseIds.length === 0) return [];
    const result = await db.raw<{ rows: ImportedEnrollment[] }>(
      `select student_id as "studentId", course_id as "courseId", status,
         to_char(begin_date, 'YYYY-MM-DD') as "beginDate", to_char(end_date, 'YYYY-MM-DD') as "endDate"
       from student_courses where course_id = any(?::int[])`,
      [courseIds],
    );
    return result.rows;
  }

  /**
   * Soft-drops the listed pairs that are active (or, with `alsoWaitlisted`, waitlisted):
   * the records stay, their history entries and promotions come from the triggers.
   */
  static async dropForImport(
    db: Knex,
    pairs: { studentIds: number[]; courseIds: number[] },
    alsoWaitlisted: boolean,
  ): Promise<number> {
    if (pairs.studentIds.length === 0) return 0;
    const result = await db.raw<{ rows: Array<{ studentId: number }> }>(
      `update student_courses sc set status = 'dropped', dropped_at = now()
       from unnest(?::int[], ?::int[]) as t(student_id, course_id)
       where sc.student_id = t.student_id and sc.course_id = t.course_id
         and (sc.status = 'active' or (? and sc.status = 'waitlisted'))
       returning sc.student_id as "studentId"`,
      [pairs.studentIds, pairs.courseIds, alsoWaitlisted],
    );
    return result.rows.length;
  }

  /**
   * Writes imported enrollments: a new pair is inserted with its status; a dropped or
   * completed one takes the new status; an active or waitlisted one keeps its status. The
   * dates are the file's. A pair whose status and dates would not change is not touched.
   */
  static async upsertForImport(
    db: Knex,
    rows: Array<{
      studentId: number;
      courseId: number;
      status: "active" | "waitlisted";
      beginDate: string | null;
      endDate: string | null;
    }>,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await db.raw<{ rows: Array<{ studentId: number }> }>(
      `insert into student_courses as sc (student_id, course_id, status, enrolled_at, waitlisted_at, begin_date, end_date)
       select t."studentId", t."courseId", t.status, now(),
         case when t.status = 'waitlisted' then clock_timestamp() end, t."beginDate", t."endDate"
       from jsonb_to_recordset(?::jsonb)
         as t("studentId" int, "courseId" int, status text, "beginDate" date, "endDate" date)
       on conflict (student_id, course_id) do update set
         status = case when sc.status in ('dropped', 'completed') then excluded.status else sc.status end,
         enrolled_at = case when sc.status in ('dropped', 'completed') then excluded.enrolled_at else sc.enrolled_at end,
         waitlisted_at = case when sc.status in ('dropped', 'completed') then excluded.waitlisted_at else sc.waitlisted_at end,
         dropped_at = case when sc.status in ('dropped', 'completed') then null else sc.dropped_at end,
         begin_date = excluded.begin_date, end_date = excluded.end_date
       where sc.status in ('dropped', 'completed')
         or (sc.begin_date, sc.end_date) is distinct from (excluded.begin_date, excluded.end_date)
       returning sc.student_id as "studentId"`,
      [JSON.stringify(rows)],
    );
    return result.rows.length;
  }
}
