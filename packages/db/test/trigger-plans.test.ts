import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "../src/testing.ts";

/**
 * PL/pgSQL plans a trigger's statements once per connection, from the first call's row
 * counts, and keeps the plans (migrations 20261205000100-300): what the triggers write after
 * a connection's first, small call, and (PostgreSQL) the plans a connection keeps after a
 * small first call and after a large one.
 */

const target = testDatabaseTarget();
const COURSES = 300;
/** Students enrolled in every course by one statement: enough rows for plans PostgreSQL would JIT-compile. */
const BULK_STUDENTS = 70;

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
  await test.db.raw(
    "insert into students (name, email) values ('Ada', 'ada@example.org'), ('Bo', 'bo@example.org')",
  );
  await test.db.raw(
    `insert into courses (name, level) select 'Course ' || n, 'beginner' from generate_series(1, ${COURSES}) n`,
  );
  await test.db.raw("insert into student_courses (student_id, course_id) select 1, id from courses");
});
afterAll(async () => {
  await test?.drop();
});

/** One connection, as a pool hands one to the services: PostgreSQL, a client of its own; PGlite has one. */
type Session = { query(sql: string): Promise<unknown>; close(): Promise<void> };

async function openSession(onNotice?: (message: string) => void): Promise<Session> {
  if (!test.url) return { query: (sql) => test.db.raw(sql), close: async () => {} };
  const client = new pg.Client({ connectionString: test.url });
  if (onNotice) client.on("notice", (notice) => onNotice(notice.message ?? ""));
  await client.connect();
  return { query: (sql) => client.query(sql), close: () => client.end() };
}

async function count(sql: string): Promise<number> {
  const result = await test.db.raw<{ rows: Array<{ n: number }> }>(
    `select count(*)::int as n from (${sql}) t`,
  );
  return result.rows[0]?.n ?? -1;
}

/** The changes of the tests, each first for one row and then for every other row, on one session. */
async function renameCourses(session: Session, suffix: string): Promise<void> {
  await session.query(`update courses set name = name || '${suffix}' where id = 1`);
  await session.query(`update courses set name = name || '${suffix}' where id > 1`);
}

async function dropEnrollments(session: Session): Promise<void> {
  await session.query(
    "update student_courses set status = 'dropped', dropped_at = now() where course_id = 1",
  );
  await session.query(
    "update student_courses set status = 'dropped', dropped_at = now() where course_id > 1",
  );
}

describe(`pairing an update's old and new rows on ${target.kind}`, () => {
  it("a rename of one course and then of the others records one course.updated per course; a count change records none", async () => {
    const session = await openSession();
    try {
      await session.query("update courses set enrolled_count = enrolled_count where id = 1");
      await renameCourses(session, " I");
      await session.query("update courses set updated_at = now()");
    } finally {
      await session.close();
    }
    expect(await count("select 1 from events where type = 'course.updated'")).toBe(COURSES);
    expect(
      await count("select 1 from events where type = 'course.updated' and data->>'name' like '% I'"),
    ).toBe(COURSES);
  });

  it("dropping one enrollment and then the others writes one history entry and one event per enrollment", async () => {
    const session = await openSession();
    try {
      await dropEnrollments(session);
    } finally {
      await session.close();
    }
    expect(
      await count("select 1 from enrollment_history where action = 'dropped' and from_status = 'active'"),
    ).toBe(COURSES);
    expect(await count("select 1 from events where type = 'enrollment.dropped'")).toBe(COURSES);
    expect(await count("select 1 from courses where enrolled_count <> 0")).toBe(0);
  });

  it("every trigger function that reads a transition table runs with jit off", async () => {
    const result = await test.db.raw<{ rows: Array<{ name: string; config: string[] | null }> }>(
      `select distinct p.proname as name, p.proconfig as config
       from pg_trigger t join pg_proc p on p.oid = t.tgfoid
       where not t.tgisinternal and (t.tgoldtable is not null or t.tgnewtable is not null)
       order by 1`,
    );
    expect(result.rows.length).toBeGreaterThanOrEqual(15);
    expect(result.rows.filter((row) => !row.config?.includes("jit=off")).map((row) => row.name)).toEqual([]);
  });
});

if (target.kind === "postgres") {
  /**
   * auto_explain sends each statement's plan, the triggers' included, to the client as a
   * NOTICE; these are the plans a connection keeps for its trigger statements after `setup`,
   * as `change` runs them.
   */
  describe("the plans a connection keeps for its trigger statements, on postgres", () => {
    async function plansOf(
      setup: (session: Session) => Promise<void>,
      change: (session: Session) => Promise<void>,
      statement: RegExp,
    ): Promise<string[]> {
      const plans: string[] = [];
      let recording = false;
      const session = await openSession((message) => {
        if (recording && statement.test(message)) plans.push(message);
      });
      try {
        await setup(session);
        await session.query("load 'auto_explain'");
        await session.query("set auto_explain.log_min_duration = 0");
        await session.query("set auto_explain.log_nested_statements = on");
        await session.query("set auto_explain.log_level = notice");
        recording = true;
        await change(session);
      } finally {
        await session.close();
      }
      return plans;
    }
    const nothing = async () => {};

    it("course.updated: a hash or merge join after a one-row call, never a nested loop over the two tables", async () => {
      const plans = await plansOf(
        nothing,
        (session) => renameCourses(session, " II"),
        /Query Text: insert into events[\s\S]*'course\.updated'/,
      );
      expect(plans).toHaveLength(2);
      for (const plan of plans) {
        expect(plan).toMatch(/(Hash|Merge) Full Join/);
        expect(plan).not.toMatch(/Nested Loop/);
      }
    });

    it("enrollment status changes: the history's pairs by a hash or merge join after a one-row call", async () => {
      await test.db.raw("update student_courses set status = 'active', dropped_at = null");
      const plans = await plansOf(
        nothing,
        dropEnrollments,
        /Query Text: insert into enrollment_history[\s\S]*from removed o/,
      );
      // each change's call, and the calls with empty tables of the promotion's UPDATE it makes
      expect(plans.length).toBeGreaterThanOrEqual(2);
      for (const plan of plans) expect(plan).toMatch(/(Hash|Merge) Full Join/);
    });

    it(`after ${BULK_STUDENTS * COURSES} enrollments in one statement, a one-row enrollment on that connection compiles nothing (JIT) and reads no whole index`, async () => {
      const plans = await plansOf(
        async (session) => {
          await session.query(
            `insert into students (name, email) select 'S' || n, 's' || n || '@example.org' from generate_series(1, ${BULK_STUDENTS}) n`,
          );
          await session.query(
            "insert into student_courses (student_id, course_id) select s.id, c.id from students s, courses c where s.email like 's%@example.org'",
          );
        },
        async (session) => {
          await session.query(`insert into student_courses (student_id, course_id) values (2, ${COURSES})`);
        },
        /Query Text:/,
      );
      expect(plans.length).toBeGreaterThan(1);
      for (const plan of plans) expect(plan).not.toMatch(/JIT:/);
      const events = plans.filter((plan) => /Query Text: insert into events[\s\S]*'enrollment\.'/.test(plan));
      expect(events).toHaveLength(1);
      expect(events[0]).not.toMatch(/Merge Join|Hash Join|Seq Scan/);
    });
  });
}
