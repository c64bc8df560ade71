/**
 * Times the OneRoster export (GET /oneroster/export's stream, without HTTP) at the issue's
 * scale: 10,000 students, 1,000 classes, 100,000 active enrollments, 10 per student.
 *
 *   pnpm --filter @registrar/bench exec tsx src/oneroster-export.ts            # PGlite, in memory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     pnpm --filter @registrar/bench exec tsx src/oneroster-export.ts          # a scratch database there
 *
 * On PostgreSQL it creates and drops its own database next to the one named.
 */
import { oneRosterExport } from "@registrar/core";
import { migrateToLatest } from "@registrar/db";
import { withScratchDatabase } from "./scratch-database.ts";

const STUDENTS = 10_000;
const CLASSES = 1_000;
const PER_STUDENT = 10;

await withScratchDatabase("export", async (db) => {
  await migrateToLatest(db);
  // The data set, set-based (this is the setup, not what is timed); every other student has
  // a sourcedId of its own, the rest get generated ones.
  await db.raw(
    `insert into students (name, email, sourced_id)
     select 'Student ' || n, 's' || n || '@example.org', case when n % 2 = 0 then 'usr-' || n end
     from generate_series(1, ?) as n`,
    [STUDENTS],
  );
  await db.raw(
    "insert into courses (name, level) select 'Class ' || n, 'beginner' from generate_series(1, ?) as n",
    [CLASSES],
  );
  await db.raw(
    `insert into student_courses (student_id, course_id)
     select s.id, 1 + (s.id * 7 + k) % ? from students s cross join generate_series(0, ? - 1) as k`,
    [CLASSES, PER_STUDENT],
  );
  const counted = (await db("student_courses").count({ count: "*" })) as Array<{ count: number | string }>;
  const count = counted[0]?.count ?? 0;
  console.log(`before the first export: RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  for (let round = 1; round <= 3; round++) {
    const started = performance.now();
    let bytes = 0;
    let peakRss = process.memoryUsage().rss;
    for await (const chunk of oneRosterExport(db, { name: "Bench School", sourcedId: "bench-school" })) {
      bytes += chunk.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${process.env.DATABASE_URL ? "postgres" : "pglite"} round ${round}: ${Number(count)} enrollments, ` +
        `${bytes} bytes in ${seconds.toFixed(2)} s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
});
