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
import { createServer, type ServerResponse } from "node:http";
import { encodeCursor, DEFAULT_PAGE_SIZE as PAGE_SIZE } from "@registrar/core";
import { pgTypes } from "@registrar/db";
import pg from "pg";

const prepared = process.env.FLOOR_PREPARED === "1";
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  ...(prepared ? { types: pgTypes } : {}),
});

/** A timestamp as the API writes it: a Date from pg's parser, or already the ISO string. */
const iso = (value: Date | string) => (typeof value === "string" ? value : value.toISOString());

// The statement listStudentCourses compiles from its model query
// (studentCoursesPage, packages/core/src/enrollments.ts), with short aliases: same plan,
// same rows.
const studentCoursesSql = `select c.id, c.name, c.level, c.capacity, c.enrolled_count as "enrolledCount",
    c.created_at as "createdAt", c.updated_at as "updatedAt",
    sc.enrolled_at as "enrolledAt"
  from students s
  left join student_courses sc on sc.student_id = s.id and sc.course_id > $1
  left join courses c on c.id = sc.course_id
  where s.id = $2
  order by sc.course_id
  limit $3`;

type CourseRow = {
  id: number | null;
  name: string;
  level: string;
  capacity: number | null;
  enrolledCount: number;
  createdAt: Date | string;
  updatedAt: Date | string;
  enrolledAt: Date | string;
};

type Page = { rows: CourseRow[]; nextCursor: string | null };

async function studentCourses(studentId: number): Promise<Page | null> {
  const result = await pool.query<CourseRow>({
    text: studentCoursesSql,
    values: [0, studentId, PAGE_SIZE + 1],
    ...(prepared ? { name: "floor_student_courses" } : {}),
  });
  if (result.rows.length === 0) return null;
  const rows = result.rows.filter((row) => row.id !== null);
  if (rows.length <= PAGE_SIZE) return { rows, nextCursor: null };
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: last?.id ? encodeCursor(last.id) : null };
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
    if (rest) {
      const studentId = Number(rest[1]);
      const page = await studentCourses(studentId);
      if (!page) return send(res, 404, { code: "student_not_found" });
      return send(res, 200, {
        student_id: studentId,
        courses: page.rows.map((row) => ({
          id: row.id,
          name: row.name,
          level: row.level,
          capacity: row.capacity,
          enrolled_count: row.enrolledCount,
          created_at: iso(row.createdAt),
          updated_at: iso(row.updatedAt),
          enrolled_at: iso(row.enrolledAt),
        })),
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
            courses: page.rows.map((row) => ({
              id: row.id,
              name: row.name,
              level: row.level,
              capacity: row.capacity,
              enrolledCount: row.enrolledCount,
              createdAt: iso(row.createdAt),
              updatedAt: iso(row.updatedAt),
              enrolledAt: iso(row.enrolledAt),
            })),
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
