import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing.ts";
import { enrollment, headers, klass, onerosterZip, role, user12 } from "./package-builder.ts";

/**
 * Imports take the writers' lock order (students, then courses, then enrollments): run
 * concurrently with REST assignments, replacements and drops of the same students and
 * courses, none deadlocks, none answers 5xx, and the counts stay exact.
 */
describe(`OneRoster imports among concurrent enrollment writes on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const students = Array.from({ length: 8 }, (_, index) => `cc-u${index}`);
  const classes = ["cc-c0", "cc-c1", "cc-c2"];
  /** A bulk package listing `pairs` ([student index, class index]). */
  const bulk = (pairs: Array<[number, number]>) =>
    onerosterZip({
      modes: { users: "bulk", roles: "bulk", classes: "bulk", enrollments: "bulk" },
      files: {
        "users.csv": [
          [...headers.users12],
          ...students.map((id) => user12(id, "Con", id, `${id}@cc.example`)),
        ],
        "roles.csv": [[...headers.roles], ...students.map((id) => role(`r-${id}`, id, "student"))],
        "classes.csv": [[...headers.classes], ...classes.map((id) => klass(id, `Class ${id}`, id, "", ""))],
        "enrollments.csv": [
          [...headers.enrollments],
          ...pairs.map(([s, c]) => enrollment(`e-${s}-${c}`, classes[c] as string, students[s] as string)),
        ],
      },
    });
  const post = (path: string, body: unknown, method = "POST") =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const importZip = (zip: Uint8Array) =>
    fetch(`${server.baseUrl}/oneroster/imports`, {
      method: "POST",
      headers: { "content-type": "application/zip" },
      body: zip,
    });

  it("no deadlock, no 5xx, exact counts over 25 rounds", async () => {
    const first = await importZip(bulk([[0, 0]]));
    expect(first.status, await first.text()).toBe(201);
    const db = server.database.db;
    const studentIds = await db("students").whereIn("sourced_id", students).orderBy("sourced_id").pluck("id");
    const courseIds = await db("courses").whereIn("sourced_id", classes).orderBy("sourced_id").pluck("id");
    // a capacity, so that seats are contended
    for (const id of courseIds) {
      const patched = await post(`/courses/${id}`, { capacity: 5, waitlist_capacity: 2 }, "PATCH");
      expect(patched.status).toBe(200);
    }
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses: number[] = [];
    for (let round = 0; round < 25; round++) {
      const pairs: Array<[number, number]> = [];
      for (let s = 0; s < students.length; s++) {
        for (let c = 0; c < classes.length; c++) if (random(3) === 0) pairs.push([s, c]);
      }
      const calls: Array<Promise<Response>> = [importZip(bulk(pairs))];
      for (let i = 0; i < 6; i++) {
        const studentId = studentIds[random(studentIds.length)];
        const ids = [...courseIds].sort(() => random(2) - 0.5);
        const kind = random(3);
        if (kind === 0)
          calls.push(post(`/students/${studentId}/courses`, { course_ids: ids, waitlist: true }));
        else if (kind === 1)
          calls.push(post(`/students/${studentId}/courses`, { course_ids: ids.slice(0, 1) }, "PUT"));
        else calls.push(post(`/students/${studentId}/courses/${ids[0]}`, undefined, "DELETE"));
      }
      if (round % 5 === 4) calls.push(importZip(bulk(pairs)));
      const answers = await Promise.all(calls);
      for (const answer of answers) {
        statuses.push(answer.status);
        await answer.arrayBuffer();
      }
      // the imports themselves all apply (an import is never refused for a concurrent write)
      expect(answers[0]?.status).toBe(201);
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const counts = await db.raw<{
      rows: Array<{ id: number; enrolled: number; active: number; waitlisted: number; listed: number }>;
    }>(
      `select c.id, c.enrolled_count as enrolled, c.waitlisted_count as waitlisted_count,
         (select count(*)::int from student_courses sc where sc.course_id = c.id and sc.status = 'active') as active,
         (select count(*)::int from student_courses sc where sc.course_id = c.id and sc.status = 'waitlisted') as listed,
         c.waitlisted_count as waitlisted
       from courses c where c.id = any(?::int[])`,
      [courseIds],
    );
    for (const row of counts.rows) {
      expect(row.enrolled, `course ${row.id}`).toBe(row.active);
      expect(row.waitlisted, `course ${row.id}`).toBe(row.listed);
      expect(row.active).toBeLessThanOrEqual(5);
    }
  });
});
