import { createHash } from "node:crypto";
import {
  isRegistrarError,
  MAX_ASSIGN_COURSE_IDS,
  type RegistrarClient,
  type RegistrarError,
} from "@registrar/sdk";
import { coursesById } from "../course-names.ts";
import { type CourseNaming, courseLabel } from "../phrases.ts";
import type { CsvPair } from "./read-csv.ts";

export type FailedRow = {
  line: number;
  studentId: number | string;
  courseId: number | string;
  /** the course's name, when the course exists and the server said it */
  courseName: string | null;
  /** the course's code, when it has one */
  courseCode: string | null;
  /** the name of the course's term, when it has one */
  courseTerm: string | null;
  /** the contract's problem code, or `invalid_row` for a row that could not be sent */
  code: string;
  reason: string;
};

export type EnrollOutcome = {
  enrolled: number;
  alreadyEnrolled: number;
  /**
   * rows that an earlier run of the same file enrolled: the server answered their request
   * from its kept answers (`Idempotent-Replayed`), so nothing ran twice
   */
  replayed: number;
  /** rows that repeat an earlier student/course pair of the file: sent once */
  duplicates: number;
  failed: FailedRow[];
  /** rows never sent because the server stopped answering; with `unreachable` set */
  notAttempted: number;
  unreachable?: RegistrarError;
};

export type EnrollOptions = {
  /** student batches in flight at once */
  concurrency?: number;
  onProgress?: (rows: number) => void;
  /**
   * What makes this import's Idempotency-Keys its own, e.g. the digest of the CSV file
   * (`fileKeyPrefix`): a re-run with the same prefix sends the same key for the same rows,
   * so what a crashed run did is answered, not done again. Default: a digest of the pairs.
   */
  keyPrefix?: string;
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

/** Waits before retrying a batch refused with 429, 503 or 409 `idempotency_in_progress`, in ms (Retry-After wins). */
const RETRY_DELAYS_MS = [500, 2000, 5000] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const digest = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex");

/** The key prefix of an import of this file's bytes: the same file gives the same keys. */
export function fileKeyPrefix(content: Uint8Array): string {
  return digest(content).slice(0, 32);
}

/**
 * The Idempotency-Key of one request: the import's prefix, the student and the file lines
 * it sends. The lines fix the body (the same rows, the same course ids), so a key never
 * names two different requests, and a re-run sends each request it sends again under the
 * key of the earlier run.
 */
function requestKey(prefix: string, studentId: number, rows: readonly CsvPair[]): string {
  const lines = rows.map((row) => row.line).join(",");
  return `registrar-import-${prefix}-${studentId}-${digest(lines).slice(0, 24)}`;
}

type RestMiddleware = Parameters<RegistrarClient["rest"]["use"]>[0];

/**
 * Enrolls the pairs with one `POST /students/{id}/courses` per student batch, each with its
 * own Idempotency-Key. An assignment is all or nothing on the server, so when it names
 * courses that do not exist or are full, those rows are reported and the rest of the batch
 * is sent again without them. Pairs already enrolled are counted, never enrolled twice, and
 * a request that an earlier run made (it crashed, or was run twice) is answered from the
 * server's kept answer and counted as replayed: it changes nothing, history included.
 */
export function enrollPairs(
  client: RegistrarClient,
  pairs: readonly CsvPair[],
  options: EnrollOptions = {},
): Promise<EnrollOutcome> {
  return enrollPlan(client, planBatches(pairs), options);
}

/** `enrollPairs` for a plan already made (the import command sizes its progress bar from it). */
export async function enrollPlan(
  client: RegistrarClient,
  { batches, duplicates }: EnrollPlan,
  options: EnrollOptions = {},
): Promise<EnrollOutcome> {
  const keyPrefix = options.keyPrefix ?? digest(JSON.stringify(batches)).slice(0, 32);
  const outcome: EnrollOutcome = {
    enrolled: 0,
    alreadyEnrolled: 0,
    replayed: 0,
    duplicates,
    failed: [],
    notAttempted: 0,
  };
  // reasons are worded at the end, when the names of the courses involved are known
  const failures: Array<{ row: CsvPair; error: RegistrarError; course?: "missing" | "full" }> = [];
  const fail = (rows: readonly CsvPair[], error: RegistrarError, course?: "missing" | "full") => {
    for (const row of rows) failures.push({ row, error, ...(course ? { course } : {}) });
  };

  // The REST client throws a refusal as a RegistrarError, without its headers: this notes,
  // by key, which answers were replays before it does.
  const replayedKeys = new Set<string>();
  const noteReplays: RestMiddleware = {
    onResponse({ request, response }) {
      const key = request.headers.get("idempotency-key");
      if (key && response.headers.get("idempotent-replayed") === "true") replayedKeys.add(key);
      return undefined;
    },
  };

  async function send(batch: Batch): Promise<void> {
    let pending = batch.rows;
    let retries = 0;
    let keyed = true;
    while (pending.length > 0 && !outcome.unreachable) {
      const key = requestKey(keyPrefix, batch.studentId, pending);
      try {
        const { data } = await client.rest.POST("/students/{id}/courses", {
          params: {
            path: { id: String(batch.studentId) },
            ...(keyed ? { header: { "Idempotency-Key": key } } : {}),
          },
          body: { course_ids: pending.map((row) => row.courseId) },
          middleware: [noteReplays],
        });
        // a refusal was thrown by the client; an answer without a body is not Registrar's
        if (!data) throw new Error("The server answered an assignment without a body.");
        const done = data.enrolled.length + data.waitlisted.length;
        if (keyed && replayedKeys.has(key)) outcome.replayed += done;
        else outcome.enrolled += done;
        outcome.alreadyEnrolled += data.already_enrolled.length;
        return;
      } catch (caught) {
        if (!isRegistrarError(caught)) throw caught;
        const error = caught;
        if (keyed && replayedKeys.has(key) && error.status >= 400 && error.status < 500) {
          // A kept refusal wrote nothing then; whether the rows land now is for the server
          // to say today (the course may have been created or freed since), so ask again.
          keyed = false;
          continue;
        }
        keyed = true;
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
          (error.code === "rate_limited" ||
            error.code === "service_unavailable" ||
            error.code === "idempotency_in_progress") &&
          retries < RETRY_DELAYS_MS.length
        ) {
          // the server says when to come back (seconds); otherwise back off
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
    ? new Map<number, CourseNaming>()
    : await coursesById(
        client.trpc,
        failures.filter(({ course }) => course !== "missing").map(({ row }) => row.courseId),
      );
  outcome.failed = failures
    .map(({ row, error, course }): FailedRow => {
      const naming = names.get(row.courseId) ?? null;
      const reason =
        course === "missing"
          ? `Course ${row.courseId} does not exist.`
          : course === "full"
            ? `${courseLabel(row.courseId, naming)} is full.`
            : error.detail;
      return {
        line: row.line,
        studentId: row.studentId,
        courseId: row.courseId,
        courseName: naming?.name ?? null,
        courseCode: naming?.code ?? null,
        courseTerm: naming?.termName ?? null,
        code: error.code,
        reason,
      };
    })
    .sort((a, b) => a.line - b.line);
  return outcome;
}
