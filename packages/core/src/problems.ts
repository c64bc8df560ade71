import { ZodError } from "zod";
import { DomainError, type ProblemCode, problemCodes, type ValidationIssue } from "./errors.ts";

/** An RFC 9457 problem, camelCase; REST renames the extra members to snake_case. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  [extra: string]: unknown;
};

export function problemType(code: ProblemCode): string {
  return `urn:registrar:problem:${code}`;
}

function makeProblem(
  code: ProblemCode,
  detail: string,
  extras: Record<string, unknown> = {},
  status?: number,
) {
  return {
    type: problemType(code),
    title: problemCodes[code].title,
    status: status ?? problemCodes[code].status,
    detail,
    code,
    ...extras,
  } satisfies Problem;
}

/** zod issue paths as dotted strings: `course_ids.3`, `name`. */
export function validationIssues(
  error: ZodError,
  prefix: ReadonlyArray<PropertyKey> = [],
): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return { path: [path, ...issue.keys].filter(Boolean).join("."), message: "is not a known field" };
    }
    // zod 4 leaves `input` out of issues; its message says what was received.
    if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
      return { path, message: "is required" };
    }
    return { path, message: issue.message };
  });
}

const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "57P01", // admin_shutdown (pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement_timeout)
  "25P03", // idle_in_transaction_session_timeout: the session was ended under a stalled transaction
  "53300", // too_many_connections
]);

/**
 * What pg and knex say when the connection is gone or timed out, rather than a code:
 * pg's connect timeout (`timeout expired`) and client-side `query_timeout`, a socket
 * closed under a query, knex's word for a connection that ended while pooled.
 */
const unavailableMessages =
  /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|\btimeout expired\b|Query read timeout|Connection ended unexpectedly/i;

/**
 * True when the database could not be reached or did not answer in time: the request
 * may succeed when retried, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("08"))) return true;
    if (name === "KnexTimeoutError") return true;
    if (typeof message === "string" && unavailableMessages.test(message)) {
      return true;
    }
    current =
      (current as { cause?: unknown; nativeError?: unknown }).nativeError ??
      (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one mapping from any error to the contract's problem object. Unknown errors become
 * `internal_error` without their message: SQL text and driver messages never leave here.
 */
export function problemFromError(error: unknown): Problem {
  if (error instanceof DomainError) {
    return makeProblem(error.code, error.message, error.extras, error.status);
  }
  if (error instanceof ZodError) {
    const errors = validationIssues(error);
    const first = errors[0];
    return makeProblem(
      "validation_failed",
      first ? `${first.path ? `${first.path}: ` : ""}${first.message}` : "The request is not valid.",
      { errors },
    );
  }
  if (isDatabaseUnavailable(error)) {
    return makeProblem("service_unavailable", "The database is unavailable; try again shortly.");
  }
  return makeProblem("internal_error", "Something went wrong on our side; it has been logged.");
}
