import {
  isRegistrarError,
  MAX_ASSIGN_COURSE_IDS,
  type RegistrarError,
  type RegistrarTrpcClient,
} from "@registrar/sdk";
import { courseLabel } from "../phrases.ts";
import type { CsvPair } from "./read-csv.ts";

export type FailedRow = {
  line: number;
  studentId: number | string;
  courseId: number | string;
  /** the course's name, when the course exists and the server said it */
  courseName: string | null;
  /** the contract's problem code, or `invalid_row` for a row that could not be sent */
  code: string;
  reason: string;
};

export type EnrollOutcome = {
  enrolled: number;
  alreadyEnrolled: number;
  /** rows that repeat an earlier student/course pair of the file: sent once */
  duplicates: number;
  failed: FailedRow[];
  /** rows never sent because the server stopped answering; with `unreachable` set */
  notAttempted: number;
  unreachable?: RegistrarError;
};

export type EnrollOptions = {
  /** student batches in flight at once (tRPC batches them into one HTTP request) */
  concurrency?: number;
  onProgress?: (rows: number) => void;
};

type Batch = { studentId: number; rows: CsvPair[] };

/** What an import will send: the assignments, and how many rows repeat an earlier pair. */
export type EnrollPlan = { batches: Batch[]; duplicates: number };

/** Rows grouped by student, one pair once, cut into assignments of as many courses as the server takes. */
export function planBatches(pairs: readonly CsvPair[]): EnrollPlan {
  const byStudent = new Map<number, Map<number, CsvPair>>();
  let duplicates = 0;
  for (const pair of pairs) {
    const courses = byStudent.get(pair.studentId) ?? new Map<number, CsvPair>();
    byStudent.set(pair.studentId, courses);
    if (courses.has(pair.courseId)) duplicates++;
    else courses.set(pair.courseId, pair);
  }
  const batches: Batch[] = [];
  for (const [studentId, courses] of byStudent) {
    const rows = [...courses.values()];
    for (let start = 0; start < rows.length; start += MAX_ASSIGN_COURSE_IDS) {
      batches.push({ studentId, rows: rows.slice(start, start + MAX_ASSIGN_COURSE_IDS) });
    }
  }
  return { batches, duplicates };
}

/** Waits before retrying a batch refused with 429 or 503, in ms (a 429's retryAfter wins). */
const RETRY_DELAYS_MS = [500, 2000, 5000] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Enrolls the pairs with one `enrollments.assign` call per student batch. An assignment is
 * all or nothing on the server, so when it names courses that do not exist or are full,
 * those rows are reported and the rest of the batch is sent again without them. Pairs
 * already enrolled are counted, never enrolled twice, so a re-run is safe.
 */
export function enrollPairs(
  trpc: RegistrarTrpcClient,
  pairs: readonly CsvPair[],
  options: EnrollOptions = {},
): Promise<EnrollOutcome> {
  return enrollPlan(trpc, planBatches(pairs), options);
}

/** `enrollPairs` for a plan already made (the import command sizes its progress bar from it). */
export async function enrollPlan(
  trpc: RegistrarTrpcClient,
  { batches, duplicates }: EnrollPlan,
  options: EnrollOptions = {},
): Promise<EnrollOutcome> {
  const outcome: EnrollOutcome = { enrolled: 0, alreadyEnrolled: 0, duplicates, failed: [], notAttempted: 0 };
  // reasons are worded at the end, when the names of the courses involved are known
  const failures: Array<{ row: CsvPair; error: RegistrarError; course?: "missing" | "full" }> = [];
  const fail = (rows: readonly CsvPair[], error: RegistrarError, course?: "missing" | "full") => {
    for (const row of rows) failures.push({ row, error, ...(course ? { course } : {}) });
  };

  async function send(batch: Batch): Promise<void> {
    let pending = batch.rows;
    let retries = 0;
    while (pending.length > 0 && !outcome.unreachable) {
      try {
        const result = await trpc.enrollments.assign.mutate({
          studentId: batch.studentId,
          courseIds: pending.map((row) => row.courseId),
        });
        outcome.enrolled += result.enrolled.length;
        outcome.alreadyEnrolled += result.alreadyEnrolled.length;
        return;
      } catch (caught) {
        if (!isRegistrarError(caught)) throw caught;
        const error = caught;
        const faulty = new Set<number>(
          error.code === "course_not_found"
            ? (error.problem.missingCourseIds ?? [])
            : error.code === "course_full"
              ? (error.problem.fullCourseIds ?? [])
              : [],
        );
        if (faulty.size > 0) {
          fail(
            pending.filter((row) => faulty.has(row.courseId)),
            error,
            error.code === "course_full" ? "full" : "missing",
          );
          pending = pending.filter((row) => !faulty.has(row.courseId));
          continue;
        }
        if (
          (error.code === "rate_limited" || error.code === "service_unavailable") &&
          retries < RETRY_DELAYS_MS.length
        ) {
          // a 429 says when the limit resets (seconds); otherwise back off
          const { retryAfter } = error.problem;
          const fromServer =
            typeof retryAfter === "number" && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : undefined;
          await sleep(fromServer ?? RETRY_DELAYS_MS[retries] ?? 0);
          retries++;
          continue;
        }
        if (error.code === "network_error") {
          outcome.unreachable = error;
          outcome.notAttempted += pending.length;
          return;
        }
        fail(pending, error);
        return;
      }
    }
    // stopped because the server became unreachable during another batch
    outcome.notAttempted += pending.length;
  }

  const queue = [...batches];
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      if (outcome.unreachable) {
        outcome.notAttempted += batch.rows.length;
      } else {
        await send(batch);
      }
      options.onProgress?.(batch.rows.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  const names = outcome.unreachable
    ? new Map<number, string>()
    : await courseNames(
        trpc,
        failures.filter(({ course }) => course !== "missing").map(({ row }) => row.courseId),
      );
  outcome.failed = failures
    .map(({ row, error, course }) => {
      const courseName = names.get(row.courseId) ?? null;
      const reason =
        course === "missing"
          ? `Course ${row.courseId} does not exist.`
          : course === "full"
            ? `${courseLabel(row.courseId, courseName)} is full.`
            : error.detail;
      return {
        line: row.line,
        studentId: row.studentId,
        courseId: row.courseId,
        courseName,
        code: error.code,
        reason,
      };
    })
    .sort((a, b) => a.line - b.line);
  return outcome;
}

/**
 * The names of the courses, for the report: one `courses.byId` each, made in the same tick
 * so that the tRPC client sends them batched (one HTTP request, or a few for many courses).
 * A course that cannot be read stays unnamed.
 */
async function courseNames(trpc: RegistrarTrpcClient, ids: readonly number[]): Promise<Map<number, string>> {
  const named = await Promise.all(
    [...new Set(ids)].map((id) =>
      trpc.courses.byId.query({ id }).then(
        (course): [number, string] => [id, course.name],
        () => undefined,
      ),
    ),
  );
  return new Map(named.filter((entry) => entry !== undefined));
}
