import { ZodError } from "zod";
import { isDatabaseUnavailable } from "./database-errors.ts";
import {
  clipped,
  DomainError,
  type ProblemCode,
  problemCodes,
  problemLimits,
  ValidationFailed,
  type ValidationIssue,
} from "./errors.ts";

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

/** The problem's `instance`: the request it happened in, as the logs name it. */
export function problemInstance(requestId: string): string {
  return `urn:uuid:${requestId}`;
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
    detail: clipped(detail, problemLimits.detail),
    code,
    // When to try again is part of the problem, so REST's Retry-After header and tRPC's
    // `retryAfter` member say the same; a database outage has no better estimate than this.
    ...(code === "service_unavailable" ? { retryAfter: SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS } : {}),
    ...extras,
  } satisfies Problem;
}

/** Seconds a client is told to wait after 503 `service_unavailable` when nothing says otherwise. */
const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * zod issues as the contract's `errors`, paths as dotted strings (`course_ids.3`, `name`):
 * one entry per fault, so each unknown field is an entry of its own. `messageOf` may word
 * an issue's message otherwise (the REST adapter names numbers written with an exponent).
 */
export function validationIssues(
  error: ZodError,
  messageOf: (issue: ZodError["issues"][number]) => string | undefined = () => undefined,
): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: "is not a known field",
      }));
    }
    // zod 4 leaves `input` out of issues; its message says what was received.
    if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
      return [{ path, message: "is required" }];
    }
    return [{ path, message: messageOf(issue) ?? issue.message }];
  });
}

/**
 * The one mapping from any error to the contract's problem object. Unknown errors become
 * `internal_error` without their message: SQL text and driver messages never leave here.
 */
export function problemFromError(error: unknown): Problem {
  if (error instanceof DomainError) {
    return makeProblem(error.code, error.message, error.extras, error.status);
  }
  if (error instanceof ZodError) return problemFromError(new ValidationFailed(validationIssues(error)));
  if (isDatabaseUnavailable(error)) {
    return makeProblem("service_unavailable", "The database is unavailable; try again shortly.");
  }
  return makeProblem("internal_error", "Something went wrong on our side; it has been logged.");
}
