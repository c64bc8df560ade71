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

/**
 * The columns each table was created with: later migrations may add columns (courses got
 * enrolled_count), never change these.
 */
const originalColumns = {
  students: "id, name, email, created_at, updated_at",
  courses: "id, name, level, capacity, created_at, updated_at",
} as const;

/** An md5 over the original columns of every row, in id order. */
async function checksum(table: "students" | "courses"): Promise<{ rows: number; md5: string }> {
  const result = await test.db.raw<{ rows: Array<{ rows: number; md5: string | null }> }>(
    `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t.id), '')) as md5
     from (select ${originalColumns[table]} from ${table}) t`,
  );
  const row = result.rows[0];
  return { rows: row?.rows ?? 0, md5: row?.md5 ?? "" };
}

async function tableExists(name: string): Promise<boolean> {
  return test.db.schema.hasTable(name);
}

const joinTableIndex = migrations.findIndex(([name]) => name === "20261127000300_create_student_courses");
/** The join table's migration and every later one (they touch neither students nor courses). */
const fromJoinTable = migrations.slice(joinTableIndex).map(([name]) => name);

describe(`migrations on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("creates student_courses without touching existing students and courses", async () => {
    // up to just before student_courses
    for (let i = 0; i < joinTableIndex; i++) await test.db.migrate.up();
    expect(await tableExists("student_courses")).toBe(false);

    await test
      .db("students")
      .insert(
        Array.from({ length: 250 }, (_, i) => ({ name: `Student ${i} ✓`, email: `s${i}@Example.org` })),
      );
    await test.db("courses").insert(
      Array.from({ length: 40 }, (_, i) => ({
        name: `Course ${i}`,
        level: "beginner",
        capacity: i % 2 ? null : i + 1,
      })),
    );
    const students = await checksum("students");
    const courses = await checksum("courses");
    expect(students.rows).toBe(250);

    expect(await migrateToLatest(test.db)).toEqual(fromJoinTable);
    expect(await tableExists("student_courses")).toBe(true);
    expect(await checksum("students")).toEqual(students);
    expect(await checksum("courses")).toEqual(courses);

    // migrating again is a no-op
    expect(await migrateToLatest(test.db)).toEqual([]);
    expect(await checksum("students")).toEqual(students);

    // rolling back to before the join table drops it and leaves the rest alone
    await test.db("student_courses").insert({ student_id: 1, course_id: 1 });
    for (const name of [...fromJoinTable].reverse()) {
      const [, reverted] = (await test.db.migrate.down()) as [number, string[]];
      expect(reverted).toEqual([name]);
    }
    expect(await tableExists("student_courses")).toBe(false);
    expect(await checksum("students")).toEqual(students);
    expect(await checksum("courses")).toEqual(courses);

    // and forward again, still the same rows
    expect(await migrateToLatest(test.db)).toEqual(fromJoinTable);
    expect(await checksum("students")).toEqual(students);
    expect(await checksum("courses")).toEqual(courses);
  });

  it("declares the contract's keys, cascade and roster index on student_courses", async () => {
    const constraints = await test.db.raw<{ rows: Array<{ conname: string; definition: string }> }>(
      `select conname, pg_get_constraintdef(oid) as definition from pg_constraint
       where conrelid = 'student_courses'::regclass order by conname`,
    );
    const definitions = constraints.rows.map((row) => row.definition);
    expect(definitions).toContain("PRIMARY KEY (student_id, course_id)");
    expect(definitions).toContain("FOREIGN KEY (student_id) REFERENCES students(id) ON DELETE CASCADE");
    expect(definitions).toContain("FOREIGN KEY (course_id) REFERENCES courses(id) ON DELETE CASCADE");

    const indexes = await test.db.raw<{ rows: Array<{ indexdef: string }> }>(
      "select indexdef from pg_indexes where tablename = 'student_courses'",
    );
    expect(indexes.rows.map((row) => row.indexdef).join("\n")).toMatch(/\(course_id, student_id\)/);
  });

  it("starts without knex when every migration is applied, and refuses a database a newer version migrated", async () => {
    // up to date: nothing to apply, no error
    expect(await migrateToLatest(test.db)).toEqual([]);
    // a migration this version does not know
    await test.db("knex_migrations").insert({ name: "20991231000000_from_a_newer_registrar", batch: 99 });
    await expect(migrateToLatest(test.db)).rejects.toThrow(/corrupt/);
    await test.db("knex_migrations").where({ name: "20991231000000_from_a_newer_registrar" }).del();
    expect(await migrateToLatest(test.db)).toEqual([]);
  });
});
