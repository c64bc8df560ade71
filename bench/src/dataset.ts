import { createDatabase, migrateToLatest } from "@registrar/db";
import pg from "pg";
import { dropSecondaryIndexes, enrollSetBased } from "./seed-enrollments.ts";

/**
 * The seeded school, in two sizes. Ids are dense and known in advance (a fresh database),
 * so scenarios can address rows without asking the server first.
 *
 * - `standard`: students 1..10,000, each enrolled in 10 of the courses 1..500: 100,000
 *   enrollments, 200 per course; `large` (`--scale large`, issue 16's scale target):
 *   students 1..100,000 in 10 of the courses 1..1,000: 1,000,000 enrollments, 1,000 per course;
 * - as many courses again have nobody in them: with the seeded ones they are the distinct
 *   ids the "assign 1,000 courses" scenario needs (2,000 courses at the large scale);
 * - every course is unlimited (capacity null), so no assignment ever meets course_full;
 * - the students after the seeded ones are "fresh" (no enrollment): each assignment
 *   request takes a new one.
 */
export const DATASETS = {
  standard: { scale: "standard", students: 10_000, courses: 500, coursesPerStudent: 10, extraCourses: 500 },
  large: { scale: "large", students: 100_000, courses: 1_000, coursesPerStudent: 10, extraCourses: 1_000 },
} as const satisfies Record<string, DatasetShape>;

export type Scale = "standard" | "large";

/**
 * Students without enrollments after the seeded ones, for the writes: at the standard scale
 * the search then runs over 100,000 students (issue 12); 40,000 at the large.
 */
export const defaultFreshStudents: Record<Scale, number> = { standard: 90_000, large: 40_000 };
export type DatasetShape = {
  scale: Scale;
  students: number;
  courses: number;
  coursesPerStudent: number;
  extraCourses: number;
};

export type Dataset = DatasetShape & {
  freshStudents: { first: number; last: number };
  enrollments: number;
  seedMs: number;
  /** Milliseconds per seeding step. */
  seedSteps: Record<string, number>;
};

/** The courses the seed enrolls student `studentId` in: 10 distinct ids in 1..courses. */
export function seededCoursesOf(shape: DatasetShape, studentId: number): number[] {
  const courses: number[] = [];
  for (let k = 0; k < shape.coursesPerStudent; k++) {
    courses.push((((studentId - 1) * 7 + k * 50) % shape.courses) + 1);
  }
  return courses.sort((a, b) => a - b);
}

/** The 1,000 course ids the "assign 1,000 courses" requests name. */
export function thousandCourses(): number[] {
  return Array.from({ length: 1_000 }, (_, i) => i + 1);
}

/**
 * Enrolls students `first..last` (fresh ones) the way the seed enrolls students 1..10,000,
 * so that the removal scenarios have enrollments to remove without eating into the data
 * set the other scenarios read. One statement; not measured.
 */
export async function prepareRemovals(
  url: string,
  shape: DatasetShape,
  first: number,
  last: number,
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const added = await enrollLikeSeed(client, shape, first, last);
    await client.query("vacuum analyze student_courses");
    return added;
  } finally {
    await client.end();
  }
}

/**
 * Enrolls students `first..last` in the courses {@link seededCoursesOf} names, in one
 * statement (the same formula in SQL); with `share`, only in the courses whose id is
 * `share.index` modulo `share.of`. Resolves to the number of rows written.
 */
export async function enrollLikeSeed(
  client: pg.Client,
  shape: DatasetShape,
  first: number,
  last: number,
  share: { index: number; of: number } = { index: 0, of: 1 },
): Promise<number> {
  const result = await client.query(
    `insert into student_courses (student_id, course_id)
     select s, c from (
       select s, ((s - 1) * 7 + k * 50) % $3::int + 1 as c
       from generate_series($1::int, $2::int) as s, generate_series(0, $4::int - 1) as k
     ) pairs
     where c % $6::int = $5::int`,
    [first, last, shape.courses, shape.coursesPerStudent, share.index, share.of],
  );
  return result.rowCount ?? 0;
}

export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createBenchDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(adminUrl, name);
  const db = createDatabase({ kind: "postgres", url, poolMax: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return url;
}

export async function dropBenchDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * Seeds with set-based statements (`insert ... select` from `generate_series`: the rows are
 * made inside PostgreSQL, nothing crosses the wire), then `vacuum analyze`. Students and
 * courses go through the tables' triggers (their events), positioned by one relay run; the
 * enrollments, their history, events and counts are written by {@link enrollSetBased} as
 * the triggers would write them, split by course over one connection a core. About 4 s at the
 * standard scale, 40-50 s at the large (was 7 s and 73 s through the triggers, see
 * seed-enrollments.ts). `steps` says where the time went.
 */
export async function seed(url: string, shape: DatasetShape, freshStudents: number): Promise<Dataset> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  let stepStarted = started;
  const step = (name: string) => {
    const now = performance.now();
    steps[name] = now - stepStarted;
    stepStarted = now;
  };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const total = shape.students + freshStudents;
    const buildIndexes = await dropSecondaryIndexes(client, [
      "students",
      "courses",
      "student_courses",
      "enrollment_history",
      "events",
    ]);
    step("dropIndexes");
    await insertStudentsAndCourses(client, shape, total);
    step("studentsAndCourses");
    // Their events (the tables' triggers) positioned in one relay run (a batch of the
    // largest integer: all of them), not left to the server's background relay, which
    // would spend the first scenarios updating them in runs of 5,000 beside the measured
    // requests. The enrollments' events are written positioned.
    await client.query("select assign_event_ids(2147483647)");
    step("relay");
    const enrolled = await enrollSetBased(url, shape, 1, shape.students);
    Object.assign(steps, enrolled.steps);
    stepStarted = performance.now();
    await buildIndexes();
    step("buildIndexes");
    // The steady state autovacuum would reach: statistics for the planner, and a visibility
    // map so that index scans of student_courses need not visit the heap (before counts were
    // stored, without it the database alone capped the read scenario near 900 req/s).
    await client.query("vacuum analyze");
    step("vacuum");
    const check = await client.query<{ students: number; courses: number; enrollments: number }>(
      `select (select max(id) from students) as students, (select max(id) from courses) as courses,
              (select count(*)::int from student_courses) as enrollments`,
    );
    const row = check.rows[0];
    if (!row || row.students !== total || row.courses !== shape.courses + shape.extraCourses) {
      throw new Error(`seeding gave unexpected ids: ${JSON.stringify(row)}`);
    }
    return {
      ...shape,
      freshStudents: { first: shape.students + 1, last: total },
      enrollments: row.enrollments,
      seedMs: performance.now() - started,
      seedSteps: steps,
    };
  } finally {
    await client.end();
  }
}

export async function insertStudentsAndCourses(client: pg.Client, shape: DatasetShape, students: number) {
  await client.query(
    `insert into students (name, email)
     select 'Student ' || i, 'student' || i || '@bench.invalid' from generate_series(1, $1::int) as i`,
    [students],
  );
  await client.query(
    `insert into courses (name, level, capacity)
     select 'Course ' || i, (array['beginner', 'intermediate', 'advanced'])[1 + i % 3], null
     from generate_series(1, $1::int) as i`,
    [shape.courses + shape.extraCourses],
  );
}
