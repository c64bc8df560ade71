/**
 * The floor: the least a Node server can do to answer "a student's courses" with the same
 * SQL and the same JSON as Registrar. `node:http` + a `pg` pool, no framework, no
 * validation beyond what the URL needs, no error mapping. Nothing written in Node answers
 * this request faster, so Registrar's req/s divided by this server's is Registrar's own
 * efficiency.
 *
 * Serves both wire shapes of the read scenario:
 *   GET /students/{id}/courses                           REST, snake_case
 *   GET /trpc/enrollments.list?input={"studentId":id}    tRPC's `{ result: { data } }`, camelCase
 * and the write floor of "assign 10 courses" (issue 16: Registrar at least half of it):
 *   POST /students/{id}/courses {"course_ids":[…]}      the statements Registrar sends, in one transaction
 *
 * Started by bench/src/run.ts as a child process, exactly like Registrar:
 * DATABASE_URL, PORT, HOST and DATABASE_POOL_MAX come from the environment.
 *
 * FLOOR_PREPARED=1 is the "strict" floor: it does the two things Registrar does below its
 * own code, sending the statement as a named prepared statement and reading timestamps as
 * ISO strings (packages/db/src/timestamps.ts) instead of Dates. Without it the statement
 * goes as plain `pg.query(text, values)` with pg's default parsers, what a hand-written
 * server would do and what the issue calls the floor.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { encodeCursor, DEFAULT_PAGE_SIZE as PAGE_SIZE } from "@registrar/core";
import { pgTypes } from "@registrar/db";
import pg from "pg";

const prepared = process.env.FLOOR_PREPARED === "1";
// A calendar date (begin_date) stays its text in both floors, as any server that answers
// `YYYY-MM-DD` would keep it: pg's default parser makes it a local-time Date.
const DATE_OID = 1082;
const plainTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format),
};
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  types: prepared ? pgTypes : plainTypes,
});

/** A timestamp as the API writes it: a Date from pg's parser, or already the ISO string. */
const iso = (value: Timestamp) => (typeof value === "string" ? value : value.toISOString());
const isoOrNull = (value: Timestamp | null) => (value === null ? null : iso(value));

// The statement listStudentCourses compiles from its model query
// (studentCoursesPage, packages/core/src/enrollments.ts), with short aliases: same plan,
// same rows, the contract's v1.1 course and enrollment fields in the order Registrar
// answers them (run.ts checks that both answer the same body before measuring).
const studentCoursesSql = `select c.id, c.name, c.level, c.capacity, c.enrolled_count,
    c.created_at, c.updated_at, c.code, c.term_id, c.waitlist_capacity, c.waitlisted_count,
    c.sourced_id, sc.enrolled_at, sc.status,
    case when sc.status = 'waitlisted' then (
      select count(*)::int from student_courses ahead
      where ahead.course_id = sc.course_id and ahead.status = 'waitlisted'
        and (ahead.waitlisted_at, ahead.student_id) <= (sc.waitlisted_at, sc.student_id)
    ) end as waitlist_position,
    sc.begin_date, sc.end_date, sc.dropped_at
  from students s
  left join student_courses sc on sc.student_id = s.id and sc.course_id > $1 and sc.status = any($4::text[])
  left join courses c on c.id = sc.course_id
  where s.id = $2
  order by sc.course_id
  limit $3`;

type Timestamp = Date | string;
type CourseRow = {
  id: number | null;
  name: string;
  level: string;
  capacity: number | null;
  enrolled_count: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  code: string | null;
  term_id: number | null;
  waitlist_capacity: number;
  waitlisted_count: number;
  sourced_id: string | null;
  enrolled_at: Timestamp;
  status: string;
  waitlist_position: number | null;
  begin_date: string | null;
  end_date: string | null;
  dropped_at: Timestamp | null;
};

type Page = { rows: CourseRow[]; nextCursor: string | null };

async function studentCourses(studentId: number): Promise<Page | null> {
  const result = await pool.query<CourseRow>({
    text: studentCoursesSql,
    values: [0, studentId, PAGE_SIZE + 1, ["active"]],
    ...(prepared ? { name: "floor_student_courses" } : {}),
  });
  if (result.rows.length === 0) return null;
  const rows = result.rows.filter((row) => row.id !== null);
  if (rows.length <= PAGE_SIZE) return { rows, nextCursor: null };
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: last?.id ? encodeCursor(last.id) : null };
}

// The statements assignCourses sends (packages/core/src/enrollments.ts, pinned in
// query-counts.test.ts), in the same transaction and order: lock the student (with the
// history's origin), lock the courses ascending, insert the pairs (the database's
// triggers keep counts, history and versions, as for Registrar), read the courses back.
const lockStudentSql = `select id, set_config('registrar.change', $1, true) as change
  from students where id = $2 for no key update`;
const lockCoursesSql = `select c.id, c.capacity, c.enrolled_count, c.waitlist_capacity, c.waitlisted_count,
    (select status from student_courses e where e.course_id = c.id and e.student_id = $1
       and c.capacity is not null and c.enrolled_count >= c.capacity) as mine
  from courses c where c.id = any($2::int[]) order by c.id for update`;
const insertPairsSql = `insert into student_courses as sc (student_id, course_id, status, enrolled_at, waitlisted_at)
  select $1, t.course_id, t.status, now(), case when t.status = 'waitlisted' then clock_timestamp() end
  from unnest($2::int[], $3::text[]) as t(course_id, status)
  on conflict (student_id, course_id) do update
    set status = excluded.status, enrolled_at = excluded.enrolled_at,
        waitlisted_at = excluded.waitlisted_at, dropped_at = null
    where sc.status in ('dropped', 'completed')
  returning course_id, status`;
const currentCoursesSql = `select c.id, c.name, c.level, c.capacity, c.enrolled_count,
    c.created_at, c.updated_at, c.code, c.term_id, c.waitlist_capacity, c.waitlisted_count,
    c.sourced_id, sc.enrolled_at, sc.status,
    case when sc.status = 'waitlisted' then (
      select count(*)::int from student_courses ahead
      where ahead.course_id = sc.course_id and ahead.status = 'waitlisted'
        and (ahead.waitlisted_at, ahead.student_id) <= (sc.waitlisted_at, sc.student_id)
    ) end as waitlist_position,
    sc.begin_date, sc.end_date, sc.dropped_at
  from courses c join student_courses sc on c.id = sc.course_id
  where sc.student_id = $1 and sc.status = any($2::text[]) order by c.id`;
const origin = JSON.stringify({ source: "rest", keyId: null, role: null, reason: null });

type Assigned = { status: number; body: unknown };

async function assignCourses(studentId: number, courseIds: number[]): Promise<Assigned> {
  const ids = [...new Set(courseIds)].sort((a, b) => a - b);
  const named = (name: string) => (prepared ? { name } : {});
  const client = await pool.connect();
  try {
    await client.query("begin");
    const student = await client.query({
      text: lockStudentSql,
      values: [origin, studentId],
      ...named("floor_lock_student"),
    });
    if (student.rowCount === 0) {
      await client.query("rollback");
      return { status: 404, body: { code: "student_not_found" } };
    }
    const locked = await client.query<{
      id: number;
      capacity: number | null;
      enrolled_count: number;
      mine: string | null;
    }>({
      text: lockCoursesSql,
      values: [studentId, ids],
      ...named("floor_lock_courses"),
    });
    if (
      locked.rowCount !== ids.length ||
      locked.rows.some((c) => c.capacity !== null && c.enrolled_count >= c.capacity && c.mine === null)
    ) {
      await client.query("rollback");
      return { status: 409, body: { code: "course_full" } };
    }
    const inserted = await client.query<{ course_id: number; status: string }>({
      text: insertPairsSql,
      values: [studentId, ids, ids.map(() => "active")],
      ...named("floor_insert_pairs"),
    });
    const courses = await client.query<CourseRow>({
      text: currentCoursesSql,
      values: [studentId, ["active", "waitlisted"]],
      ...named("floor_current_courses"),
    });
    await client.query("commit");
    const enrolled = inserted.rows.map((row) => row.course_id).sort((a, b) => a - b);
    const done = new Set(enrolled);
    return {
      status: enrolled.length > 0 ? 201 : 200,
      body: {
        student_id: studentId,
        enrolled,
        already_enrolled: ids.filter((id) => !done.has(id)),
        waitlisted: [],
        courses: courses.rows.map(restCourse),
      },
    };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function restCourse(row: CourseRow) {
  return {
    ...row,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    enrolled_at: iso(row.enrolled_at),
    dropped_at: isoOrNull(row.dropped_at),
  };
}

function trpcCourse(row: CourseRow) {
  return {
    id: row.id,
    name: row.name,
    level: row.level,
    capacity: row.capacity,
    enrolledCount: row.enrolled_count,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    code: row.code,
    termId: row.term_id,
    waitlistCapacity: row.waitlist_capacity,
    waitlistedCount: row.waitlisted_count,
    sourcedId: row.sourced_id,
    enrolledAt: iso(row.enrolled_at),
    status: row.status,
    waitlistPosition: row.waitlist_position,
    beginDate: row.begin_date,
    endDate: row.end_date,
    droppedAt: isoOrNull(row.dropped_at),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

const restPath = /^\/students\/([1-9][0-9]{0,9})\/courses$/;

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://floor");
    const rest = restPath.exec(url.pathname);
    if (rest && req.method === "POST") {
      const { course_ids: courseIds } = (await jsonBody(req)) as { course_ids: number[] };
      const assigned = await assignCourses(Number(rest[1]), courseIds);
      return send(res, assigned.status, assigned.body);
    }
    if (rest) {
      const studentId = Number(rest[1]);
      const page = await studentCourses(studentId);
      if (!page) return send(res, 404, { code: "student_not_found" });
      return send(res, 200, {
        student_id: studentId,
        courses: page.rows.map(restCourse),
        next_cursor: page.nextCursor,
      });
    }
    if (url.pathname === "/trpc/enrollments.list") {
      const input = JSON.parse(url.searchParams.get("input") ?? "{}") as { studentId?: unknown };
      const studentId = Number(input.studentId);
      const page = await studentCourses(studentId);
      if (!page) return send(res, 404, { error: { message: "student_not_found" } });
      return send(res, 200, {
        result: {
          data: {
            studentId,
            courses: page.rows.map(trpcCourse),
            nextCursor: page.nextCursor,
          },
        },
      });
    }
    if (url.pathname === "/health/ready") return send(res, 200, { status: "ok" });
    send(res, 404, { code: "not_found" });
  } catch (error) {
    console.error(error);
    send(res, 500, { code: "internal_error" });
  }
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");

process.on("SIGTERM", () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeIdleConnections();
});
