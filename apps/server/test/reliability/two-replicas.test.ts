import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

/**
 * Two server processes on one PostgreSQL database, requests spread over both: capacity
 * and consistency hold across replicas because they are enforced by row locks in the
 * database, not in a process.
 */

const target = testDatabaseTarget();

type Answer = { status: number; code: string | undefined; body: unknown };

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  const code =
    response.status >= 400 && parsed && typeof parsed === "object" && "code" in parsed
      ? String(parsed.code)
      : undefined;
  return { status: response.status, code, body: parsed };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        const task = tasks[index];
        if (task) results[index] = await task();
      }
    }),
  );
  return results;
}

function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.code ? `${answer.status} ${answer.code}` : String(answer.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

if (target.kind === "pglite") {
  describe("two replicas: does not apply on PGlite (one process owns an embedded database; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log(
        "NOTICE: the two-replica tests run only on PostgreSQL (REGISTRAR_TEST_DB=postgres): " +
          "two server processes cannot share an embedded PGlite database.",
      );
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("two server processes on one PostgreSQL database", () => {
    let database: TestDatabase;
    const replicas: ServerProcess[] = [];
    const urls = () => replicas.map((replica) => replica.baseUrl);

    beforeAll(async () => {
      database = await createTestDatabase();
      const url = database.url ?? "";
      // Pool of 5 each: 10 connections in all, fewer than the concurrent requests, so
      // requests also queue for connections, as they would behind a load balancer.
      const started = await Promise.all([
        startServerProcess(url, { DATABASE_POOL_MAX: "5" }),
        startServerProcess(url, { DATABASE_POOL_MAX: "5" }),
      ]);
      replicas.push(...started);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.kill()));
      await database?.drop();
    });

    async function createStudents(count: number, tag: string): Promise<number[]> {
      const rows = await database.db.raw<{ rows: Array<{ id: number }> }>(
        `insert into students (name, email)
         select 'R' || n, ? || n || '@replicas.test' from generate_series(1, ?) n returning id`,
        [tag, count],
      );
      return rows.rows.map((row) => row.id);
    }

    async function createCourse(capacity: number | null): Promise<number> {
      const [first] = urls();
      const created = await call(first ?? "", "POST", "/courses", { name: "Shared", level: "1", capacity });
      expect(created.status).toBe(201);
      return (created.body as { id: number }).id;
    }

    /** The course as both replicas see it, and its roster, must agree with the table. */
    async function expectConsistent(courseId: number, capacity: number | null): Promise<number> {
      const rows = await database.db.raw<{ rows: Array<{ n: number }> }>(
        // v1.1 keeps dropped pairs as records: the API's count and roster are the active ones
        "select count(*)::int as n from student_courses where course_id = ? and status = 'active'",
        [courseId],
      );
      const inTable = rows.rows[0]?.n ?? -1;
      for (const baseUrl of urls()) {
        const course = await call(baseUrl, "GET", `/courses/${courseId}`);
        const roster = await call(baseUrl, "GET", `/courses/${courseId}/students?limit=200`);
        expect((course.body as { enrolled_count: number }).enrolled_count).toBe(inTable);
        expect((roster.body as { students: unknown[] }).students).toHaveLength(inTable);
      }
      if (capacity !== null) expect(inTable).toBeLessThanOrEqual(capacity);
      return inTable;
    }

    it("100 concurrent enrollments of different students into a course of 10, across both: exactly 10 admitted", async () => {
      const courseId = await createCourse(10);
      const students = await createStudents(100, "race");
      const answers = await Promise.all(
        students.map((studentId, index) =>
          call(urls()[index % 2] ?? "", "POST", `/students/${studentId}/courses`, { course_ids: [courseId] }),
        ),
      );
      const counts = tally(answers);
      console.log(`[replicas] 100 enrollments into capacity 10 over 2 replicas: ${JSON.stringify(counts)}`);
      expect(counts).toEqual({ "201": 10, "409 course_full": 90 });
      expect(await expectConsistent(courseId, 10)).toBe(10);
    }, 60_000);

    it("assign, replace and remove storms on the same pairs across both: no 5xx, consistent, never over capacity", async () => {
      const capacities = [3, 5, null] as const;
      const courses = await Promise.all(capacities.map((capacity) => createCourse(capacity)));
      const students = await createStudents(12, "storm");
      let seed = 42;
      const random = (n: number) => {
        // a small deterministic generator, so a failure replays the same storm
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const pick = <T>(items: readonly T[]): T => items[random(items.length)] as T;
      const tasks = Array.from({ length: 900 }, (_, index) => {
        const baseUrl = urls()[index % 2] ?? "";
        const studentId = pick(students);
        const kind = random(3);
        if (kind === 0) {
          const ids = courses.filter(() => random(2) === 0);
          const courseIds = ids.length > 0 ? ids : [pick(courses)];
          return () => call(baseUrl, "POST", `/students/${studentId}/courses`, { course_ids: courseIds });
        }
        if (kind === 1) {
          const courseIds = courses.filter(() => random(2) === 0);
          return () => call(baseUrl, "PUT", `/students/${studentId}/courses`, { course_ids: courseIds });
        }
        const courseId = pick(courses);
        return () => call(baseUrl, "DELETE", `/students/${studentId}/courses/${courseId}`);
      });
      const answers = await pooled(tasks, 32);
      const counts = tally(answers);
      console.log(`[replicas] storm of 900 assign/replace/remove over 2 replicas: ${JSON.stringify(counts)}`);
      const expected = new Set(["200", "201", "204", "409 course_full", "404 enrollment_not_found"]);
      expect(Object.keys(counts).filter((key) => !expected.has(key))).toEqual([]);
      const final = [];
      for (const [index, courseId] of courses.entries()) {
        final.push(await expectConsistent(courseId, capacities[index] ?? null));
      }
      console.log(`[replicas] final enrolled counts (capacities 3, 5, unlimited): ${final.join(", ")}`);
    }, 120_000);
  });
}
