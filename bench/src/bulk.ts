import pg from "pg";
import { thousandCourses } from "./dataset.ts";
import { median } from "./statistics.ts";

export type BulkComparison = {
  rounds: number;
  /** Median wall time of `POST /students/{id}/courses` with 1,000 course ids, one at a time. */
  assignMs: number;
  /**
   * Median wall time of one raw `INSERT ... SELECT` of the same 1,000 rows, through `pg`,
   * into the table as it is: foreign-key checks and the `enrolled_count` trigger included,
   * which any writer of enrollments pays.
   */
  rawInsertMs: number;
  /** assignMs / rawInsertMs; the issue asks for at most 3. */
  ratio: number;
  /**
   * The same raw insert with the count trigger disabled (in a transaction that is rolled
   * back): the floor as it was before `courses.enrolled_count`, the stricter yardstick.
   */
  bareInsertMs: number;
  /** assignMs / bareInsertMs. */
  bareRatio: number;
};

const insertSql =
  "insert into student_courses (student_id, course_id) select $1, id from unnest($2::int[]) as id";

/**
 * The 1,000-course assignment against the floor of writing 1,000 rows: a single
 * `INSERT ... SELECT` sent by a client in this process. One request at a time, alternating
 * the two, each on a fresh student (`students` are ids nobody has used yet). The first
 * `warmupRounds` rounds are run but not counted.
 */
export async function compareBulkAssignment(
  baseUrl: string,
  databaseUrl: string,
  students: number[],
  warmupRounds: number,
): Promise<BulkComparison> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const courseIds = thousandCourses();
  const body = JSON.stringify({ course_ids: courseIds });
  const assignTimes: number[] = [];
  const rawTimes: number[] = [];
  const bareTimes: number[] = [];
  try {
    const rounds = Math.floor(students.length / 2);
    for (let round = 0; round < rounds; round++) {
      const viaApi = students[2 * round];
      const raw = students[2 * round + 1];
      if (viaApi === undefined || raw === undefined) break;

      let started = performance.now();
      const response = await fetch(`${baseUrl}/students/${viaApi}/courses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.arrayBuffer();
      const assignMs = performance.now() - started;
      if (response.status !== 201) throw new Error(`assigning 1,000 courses answered ${response.status}`);

      // Without the count trigger first, rolled back, so the same student serves the next.
      await client.query("begin");
      await client.query("alter table student_courses disable trigger student_courses_count_added");
      started = performance.now();
      await client.query(insertSql, [raw, courseIds]);
      const bareMs = performance.now() - started;
      await client.query("rollback");

      started = performance.now();
      await client.query(insertSql, [raw, courseIds]);
      const rawMs = performance.now() - started;
      if (round >= warmupRounds) {
        assignTimes.push(assignMs);
        bareTimes.push(bareMs);
        rawTimes.push(rawMs);
      }
    }
  } finally {
    await client.end();
  }
  const assignMs = median(assignTimes);
  const rawInsertMs = median(rawTimes);
  const bareInsertMs = median(bareTimes);
  return {
    rounds: assignTimes.length,
    assignMs,
    rawInsertMs,
    ratio: assignMs / rawInsertMs,
    bareInsertMs,
    bareRatio: assignMs / bareInsertMs,
  };
}
