import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCourses, listStudents } from "../src/index.ts";

let test: TestDatabase;
beforeAll(async () => {
  // 100,000 students and 2,000 courses: the scale the search must stay fast at. With the
  // trigram indexes and every row's event, the insert has taken longer than the default 15 s
  // statement cap (and the client's 20 s query cap behind it) on a loaded 2-core machine.
  test = await createTestDatabase({ postgresTimeouts: { statementTimeoutMs: 150_000 } });
  await test.db.raw(
    `insert into students (name, email)
     select 'Student ' || g || ' ' || md5(g::text), 'student' || g || '@school' || (g % 97) || '.example.org'
     from generate_series(1, 100000) g`,
  );
  await test.db.raw(
    `insert into courses (name, level, code)
     select 'Course ' || md5(g::text), 'b', 'C-' || g from generate_series(1, 2000) g`,
  );
  await test.db.raw("analyze students");
  await test.db.raw("analyze courses");
}, 180_000);
afterAll(async () => {
  await test?.drop();
});

/** The plan PostgreSQL runs for the statement `work` sends (the last one), with its time. */
async function planOf(work: () => Promise<unknown>): Promise<{ plan: string; ms: number }> {
  let sent: { sql: string; bindings: unknown[] } | undefined;
  const listener = (query: { sql: string; bindings?: unknown[] }) => {
    // copied: knex reuses the object it reports
    sent = { sql: query.sql, bindings: [...(query.bindings ?? [])] };
  };
  test.db.on("query", listener);
  try {
    await work();
  } finally {
    test.db.off("query", listener);
  }
  if (!sent) throw new Error("no statement was sent");
  const explained = await test.db.raw<{ rows: Array<Record<string, string>> }>(
    // knex reports the SQL with the driver's positional $n; raw takes ?
    `explain analyze ${sent.sql.replace(/\$\d+/g, "?")}`,
    sent.bindings as never,
  );
  const plan = explained.rows.map((row) => Object.values(row)[0]).join("\n");
  const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
  return { plan, ms };
}

describe(`search over 100,000 students on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("finds by a substring of name or email through the trigram indexes", async () => {
    const found = await listStudents(test.db, { q: "STUDENT 4242 " });
    expect(found.students.map((s) => s.name)).toEqual([expect.stringMatching(/^Student 4242 /)]);
    const { plan, ms } = await planOf(() => listStudents(test.db, { q: "student4242@" }));
    expect(plan).toContain("students_name_trgm_index");
    expect(plan).toContain("students_email_trgm_index");
    expect(plan).not.toMatch(/Seq Scan on students/);
    console.log(`student search at 100,000 rows: ${ms} ms`);
  });

  it("asks the trigram indexes for an email the statistics hold as a histogram bound", async () => {
    // The planner's likeliest overestimate: a pattern that matches one bound of the email
    // histogram. With 100 bounds that read as 1% of the rows, and the plan walked the
    // primary key through all 100,000 for the one match (migration 20261206000100).
    const bounds = await test.db.raw<{ rows: Array<{ bounds: string[] }> }>(
      "select histogram_bounds::text::text[] as bounds from pg_stats where tablename = 'students' and attname = 'email'",
    );
    const histogram = bounds.rows[0]?.bounds ?? [];
    expect(histogram.length).toBeGreaterThan(100);
    for (const email of [histogram[1], histogram[Math.floor(histogram.length / 2)], histogram.at(-2)]) {
      const found = await listStudents(test.db, { q: String(email) });
      expect(found.students.map((s) => s.email)).toEqual([email]);
      const { plan } = await planOf(() => listStudents(test.db, { q: String(email) }));
      expect(plan, `q=${email}`).toContain("students_email_trgm_index");
      expect(plan, `q=${email}`).not.toMatch(/Index Scan using students_pkey|Seq Scan on students/);
    }
  });

  it("finds courses by code over all rows", async () => {
    // at 2,000 rows the planner may rightly prefer reading the table; the indexes exist for when it grows
    const found = await listCourses(test.db, { q: "c-1234" });
    expect(found.courses.map((c) => c.code)).toEqual(["C-1234"]);
    const { ms } = await planOf(() => listCourses(test.db, { q: "c-1234" }));
    console.log(`course search at 2,000 rows: ${ms} ms`);
  });
});
