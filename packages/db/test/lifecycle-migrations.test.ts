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

/** The v1.1 migrations: terms and external ids, the lifecycle, the search indexes. */
const firstLifecycle = migrations.findIndex(
  ([name]) => name === "20261201000100_create_terms_and_external_ids",
);
const lifecycleMigrations = migrations.slice(firstLifecycle).map(([name]) => name);

/** Every column each table had before the v1.1 migrations, and the order that makes a row's place stable. */
const v1Tables = {
  students: { columns: "id, name, email, created_at, updated_at", order: "id" },
  courses: { columns: "id, name, level, capacity, enrolled_count, created_at, updated_at", order: "id" },
  student_courses: { columns: "student_id, course_id, enrolled_at", order: "student_id, course_id" },
  api_keys: {
    columns: "id, name, role, student_id, secret_hash, created_at, revoked_at, last_used_at",
    order: "id",
  },
} as const;
type V1Table = keyof typeof v1Tables;

/** A row count and an md5 over every row's v1 columns, in a stable order. */
async function checksum(table: V1Table): Promise<{ rows: number; md5: string }> {
  const { columns, order } = v1Tables[table];
  const result = await test.db.raw<{ rows: Array<{ rows: number; md5: string | null }> }>(
    `select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by ${order}), '')) as md5
     from (select ${columns} from ${table}) t`,
  );
  const row = result.rows[0];
  return { rows: row?.rows ?? 0, md5: row?.md5 ?? "" };
}

async function checksums(): Promise<Record<V1Table, { rows: number; md5: string }>> {
  return {
    students: await checksum("students"),
    courses: await checksum("courses"),
    student_courses: await checksum("student_courses"),
    api_keys: await checksum("api_keys"),
  };
}

async function down(count: number): Promise<string[]> {
  const reverted: string[] = [];
  for (let i = 0; i < count; i++) {
    const [, names] = (await test.db.migrate.down()) as [number, string[]];
    reverted.push(...names);
  }
  return reverted;
}

describe(`v1.1 lifecycle migrations on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("keep every existing row, up and down and up again; enrollments become active with their enrolled_at", async () => {
    for (let i = 0; i < firstLifecycle; i++) await test.db.migrate.up();

    await test.db("students").insert(
      Array.from({ length: 300 }, (_, i) => ({
        name: `Student ${i} ✓ O'Brien`,
        email: `s${i}@Example.org`,
      })),
    );
    await test.db("courses").insert(
      Array.from({ length: 40 }, (_, i) => ({
        name: `Course ${i}`,
        level: i % 3 ? "beginner" : "advanced",
        capacity: i === 0 ? 10 : i % 2 ? null : 100 + i,
      })),
    );
    // a spread of enrollments with distinct times, full courses (capacity 10 holding 10) included
    await test.db.raw(`
      insert into student_courses (student_id, course_id, enrolled_at)
      select s, c, timestamptz '2026-09-01 08:00:00+00' + (s * 40 + c) * interval '1 second'
      from generate_series(1, 300) s, generate_series(1, 40) c
      where ((s + c) % 7 = 0 and c > 1) or (c = 1 and s <= 10)`);
    await test.db("api_keys").insert([
      { name: "ops", role: "admin", secret_hash: "a".repeat(64) },
      { name: null, role: "student", student_id: 3, secret_hash: "b".repeat(64) },
    ]);
    const before = await checksums();
    expect(before.student_courses.rows).toBeGreaterThan(1000);

    expect(await migrateToLatest(test.db)).toEqual(lifecycleMigrations);
    expect(await checksums()).toEqual(before);
    const statuses = await test.db.raw<{ rows: Array<{ status: string; n: number }> }>(
      "select status, count(*)::int as n from student_courses group by status",
    );
    expect(statuses.rows).toEqual([{ status: "active", n: before.student_courses.rows }]);
    // each existing enrollment has the one history entry that made it, at its time
    const history = await test.db.raw<{ rows: Array<{ n: number; mismatched: number }> }>(
      `select count(*)::int as n, count(*) filter (where h.at <> sc.enrolled_at or h.action <> 'enrolled')::int as mismatched
       from enrollment_history h join student_courses sc using (student_id, course_id)`,
    );
    expect(history.rows[0]).toEqual({ n: before.student_courses.rows, mismatched: 0 });
    const counts = await test.db.raw<{ rows: Array<{ waitlisted: number; waitlistCapacity: number }> }>(
      `select sum(waitlisted_count)::int as waitlisted, sum(waitlist_capacity)::int as "waitlistCapacity" from courses`,
    );
    expect(counts.rows[0]).toEqual({ waitlisted: 0, waitlistCapacity: 0 });

    expect(await down(lifecycleMigrations.length)).toEqual([...lifecycleMigrations].reverse());
    expect(await checksums()).toEqual(before);
    expect(await test.db.schema.hasTable("terms")).toBe(false);
    expect(await test.db.schema.hasTable("enrollment_history")).toBe(false);
    expect(await test.db.schema.hasColumn("student_courses", "status")).toBe(false);

    expect(await migrateToLatest(test.db)).toEqual(lifecycleMigrations);
    expect(await checksums()).toEqual(before);
  });

  it("refuses to roll the lifecycle back while an enrollment is not active, and changes nothing", async () => {
    await test.db("student_courses").where({ student_id: 7, course_id: 7 }).update({ status: "dropped" });
    const before = await checksums();
    // the search indexes first (and the migrations after them): they roll back freely
    const searchAndLater = lifecycleMigrations.slice(
      lifecycleMigrations.indexOf("20261201000300_add_search_indexes"),
    );
    expect(await down(searchAndLater.length)).toEqual([...searchAndLater].reverse());
    await expect(test.db.migrate.down()).rejects.toThrow(/not active \(1 dropped\)/);
    expect(await checksums()).toEqual(before);
    expect(await test.db.schema.hasColumn("student_courses", "status")).toBe(true);
    expect(await migrateToLatest(test.db)).toEqual(searchAndLater);
  });

  it("declares the rules: statuses, counts within capacities, terms' dates, append-only history", async () => {
    const constraints = await test.db.raw<{ rows: Array<{ conname: string }> }>(
      `select conname from pg_constraint
       where conrelid in ('courses'::regclass, 'student_courses'::regclass, 'terms'::regclass, 'enrollment_history'::regclass)`,
    );
    expect(constraints.rows.map((row) => row.conname)).toEqual(
      expect.arrayContaining([
        "courses_enrolled_count_within_capacity",
        "courses_waitlisted_count_within_capacity",
        "courses_waitlist_capacity_range",
        "courses_term_id_fkey",
        "courses_sourced_id_unique",
        "student_courses_status_check",
        "terms_dates_check",
        "terms_type_check",
        "enrollment_history_enrollment_fkey",
      ]),
    );
    await expect(test.db.raw("update enrollment_history set reason = 'edited'")).rejects.toThrow(
      /append-only/,
    );
    await expect(
      test.db("terms").insert({ name: "Backwards", starts_on: "2026-09-02", ends_on: "2026-09-01" }),
    ).rejects.toThrow(/terms_dates_check/);
    const [term] = await test
      .db("terms")
      .insert({ name: "Fall", starts_on: "2026-09-01", ends_on: "2026-12-20" })
      .returning("*");
    // dates come back as the API's YYYY-MM-DD on both drivers
    expect(term).toMatchObject({ type: "term", starts_on: "2026-09-01", ends_on: "2026-12-20" });
  });

  it("serves a substring search of students by a trigram index", async () => {
    const indexes = await test.db.raw<{ rows: Array<{ indexname: string }> }>(
      "select indexname from pg_indexes where tablename in ('students', 'courses') and indexdef like '%gin_trgm_ops%'",
    );
    expect(indexes.rows.map((row) => row.indexname).sort()).toEqual([
      "courses_code_trgm_index",
      "courses_name_trgm_index",
      "students_email_trgm_index",
      "students_name_trgm_index",
    ]);
  });
});
