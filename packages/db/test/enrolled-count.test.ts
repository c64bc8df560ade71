import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest, migrations } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing.ts";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await test?.drop();
});

const countMigration = "20261127000500_add_courses_enrolled_count";
const countMigrationIndex = migrations.findIndex(([name]) => name === countMigration);
/** The count migration and the ones after it (the lifecycle's count only active rows, which these all are). */
const fromCountMigration = migrations.slice(countMigrationIndex).map(([name]) => name);

/** Courses whose stored count differs from their rows in student_courses. */
async function miscounted(): Promise<Array<{ id: number; stored: number; actual: number }>> {
  const result = await test.db.raw<{ rows: Array<{ id: number; stored: number; actual: number }> }>(
    `select c.id, c.enrolled_count as stored, count(sc.course_id)::int as actual
     from courses c left join student_courses sc on sc.course_id = c.id
     group by c.id having c.enrolled_count <> count(sc.course_id) order by c.id`,
  );
  return result.rows;
}

async function storedCounts(): Promise<number[]> {
  const result = await test.db.raw<{ rows: Array<{ n: number }> }>(
    "select enrolled_count as n from courses order by id",
  );
  return result.rows.map((row) => row.n);
}

/** The error a statement failed with, or undefined. */
async function failure(statement: Promise<unknown>): Promise<{ code?: string; message: string } | undefined> {
  try {
    await statement;
    return undefined;
  } catch (error) {
    return error as { code?: string; message: string };
  }
}

describe(`courses.enrolled_count on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("backfills existing enrollments, refuses a database with an over-full course, rolls back cleanly", async () => {
    for (let i = 0; i < countMigrationIndex; i++) await test.db.migrate.up();
    await test
      .db("students")
      .insert(Array.from({ length: 30 }, (_, i) => ({ name: `S${i}`, email: `s${i}@x.org` })));
    // course 1: capacity 2 with 3 enrolled (only possible by writing around Registrar)
    await test.db("courses").insert([
      { name: "Over", level: "b", capacity: 2 },
      { name: "Big", level: "b", capacity: null },
      { name: "Empty", level: "b", capacity: 5 },
    ]);
    await test.db.raw(
      "insert into student_courses (student_id, course_id) select s, 1 from generate_series(1, 3) s",
    );
    await test.db.raw(
      "insert into student_courses (student_id, course_id) select s, 2 from generate_series(1, 30) s",
    );

    const refused = await failure(migrateToLatest(test.db));
    expect(refused?.message).toContain("courses over capacity: 1 (3 enrolled, capacity 2)");
    // knex reports the failed migration through the database's log, not the console
    expect(test.logged.map((line) => line.message)).toContainEqual(
      expect.stringContaining("migration failed with error: courses over capacity: 1"),
    );
    // nothing changed: no column, the enrollments all there
    expect(await test.db.schema.hasColumn("courses", "enrolled_count")).toBe(false);
    const enrollments = await test.db.raw<{ rows: Array<{ n: number }> }>(
      "select count(*)::int as n from student_courses",
    );
    expect(enrollments.rows[0]?.n).toBe(33);

    await test.db("courses").where({ id: 1 }).update({ capacity: 3 });
    expect(await migrateToLatest(test.db)).toEqual(fromCountMigration);
    expect(await storedCounts()).toEqual([3, 30, 0]);

    // down drops the column and the triggers, keeps every row; up again recounts
    const reverted: string[] = [];
    for (let i = 0; i < fromCountMigration.length; i++) {
      const [, names] = (await test.db.migrate.down()) as [number, string[]];
      reverted.push(...names);
    }
    expect(reverted).toEqual([...fromCountMigration].reverse());
    expect(await test.db.schema.hasColumn("courses", "enrolled_count")).toBe(false);
    await test.db.raw("delete from student_courses where course_id = 2 and student_id > 20");
    expect(await migrateToLatest(test.db)).toEqual(fromCountMigration);
    expect(await storedCounts()).toEqual([3, 20, 0]);
  });

  it("keeps the count through every kind of write, cascades included", async () => {
    await test.db.raw(
      "insert into student_courses (student_id, course_id) select s, 3 from generate_series(21, 25) s",
    );
    expect(await storedCounts()).toEqual([3, 20, 5]);
    await test.db.raw("delete from student_courses where student_id in (1, 21)");
    expect(await storedCounts()).toEqual([2, 19, 4]);
    // moving enrollments between courses
    await test.db.raw("update student_courses set course_id = 2 where course_id = 3 and student_id = 22");
    expect(await storedCounts()).toEqual([2, 20, 3]);
    // an update that moves nothing
    await test.db.raw("update student_courses set enrolled_at = now() where course_id = 2");
    expect(await storedCounts()).toEqual([2, 20, 3]);
    // a student's deletion cascades to its enrollments
    await test.db.raw("delete from students where id = 2");
    expect(await storedCounts()).toEqual([1, 19, 3]);
    // a course's deletion cascades; the others keep their counts
    await test.db.raw("delete from courses where id = 3");
    expect(await storedCounts()).toEqual([1, 19]);
    expect(await miscounted()).toEqual([]);
    // enrollment_history references the enrollments (erasure by cascade), so a truncate names it too
    await test.db.raw("truncate student_courses cascade");
    expect(await storedCounts()).toEqual([0, 0]);
  });

  it("the database refuses a count above capacity or below zero, and writes nothing", async () => {
    await test.db("courses").where({ id: 1 }).update({ capacity: 2 });
    await test.db.raw("insert into student_courses (student_id, course_id) values (3, 1), (4, 1)");
    // a third student, in one statement with an unlimited course: all or nothing
    const over = await failure(
      test.db.raw("insert into student_courses (student_id, course_id) values (5, 2), (5, 1)"),
    );
    expect(over?.code).toBe("23514");
    expect(await storedCounts()).toEqual([2, 0]);
    expect(await miscounted()).toEqual([]);

    const below = await failure(test.db("courses").where({ id: 1 }).update({ capacity: 1 }));
    expect(below?.code).toBe("23514");
    const negative = await failure(test.db("courses").where({ id: 2 }).update({ enrolled_count: -1 }));
    expect(negative?.code).toBe("23514");
  });
});
