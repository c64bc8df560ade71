import { TRPCClientError } from "@trpc/client";
import type { components } from "./generated/openapi.ts";

/** The contract's stable problem codes, as the server's OpenAPI document lists them. */
export type ProblemCode = components["schemas"]["Problem"]["code"];

/**
 * Codes the SDK itself raises when no problem came back: the server could not be reached
 * (`network_error`, status 0), or it answered with something that is not a problem
 * (`unexpected_response`, e.g. an HTML page from a proxy).
 */
export type ClientErrorCode = "network_error" | "unexpected_response";

export type RegistrarErrorCode = ProblemCode | ClientErrorCode;

export type ValidationIssue = { path: string; message: string };

/**
 * An RFC 9457 problem as the SDK hands it out: camelCase whichever API it came from
 * (REST sends `missing_course_ids`, tRPC `missingCourseIds`; both arrive as the latter).
 */
export type RegistrarProblem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: RegistrarErrorCode;
  /** `urn:uuid:` of the request, as in the server's logs */
  instance?: string;
  /** validation_failed: one entry per fault */
  errors?: ValidationIssue[];
  /** student_not_found, enrollment_not_found */
  studentId?: number;
  /** course_not_found (path id), enrollment_not_found */
  courseId?: number;
  /** course_not_found on an assignment (422): the ids that do not exist */
  missingCourseIds?: number[];
  /** course_full: the courses without a free seat */
  fullCourseIds?: number[];
  /** rate_limited, service_unavailable: seconds to wait before trying again (REST sends it as `Retry-After`) */
  retryAfter?: number;
  [extra: string]: unknown;
};

// A record, not a list, so the compiler says when the contract gains or loses a code.
const knownProblemCodes: Record<ProblemCode, true> = {
  validation_failed: true,
  invalid_json: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  student_not_found: true,
  course_not_found: true,
  enrollment_not_found: true,
  method_not_allowed: true,
  email_taken: true,
  course_full: true,
  capacity_below_enrolled: true,
  payload_too_large: true,
  unsupported_media_type: true,
  rate_limited: true,
  internal_error: true,
  service_unavailable: true,
};

function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(knownProblemCodes, code);
}

/** Any failure of a Registrar call, REST or tRPC, with the contract's `code` and extras. */
export class RegistrarError extends Error {
  override readonly name = "RegistrarError";
  readonly code: RegistrarErrorCode;
  /** HTTP status of the answer; 0 when there was none */
  readonly status: number;
  /** What went wrong, for people: the problem's `detail` */
  readonly detail: string;
  readonly problem: RegistrarProblem;

  constructor(problem: RegistrarProblem, options?: { cause?: unknown }) {
    super(problem.detail, options);
    this.code = problem.code;
    this.status = problem.status;
    this.detail = problem.detail;
    this.problem = problem;
  }
}

export function isRegistrarError(error: unknown): error is RegistrarError {
  return error instanceof RegistrarError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function camelCaseKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** Renames object keys (not values) to camelCase, all the way down. */
function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [camelCaseKey(key), camelCaseKeys(child)]),
  );
}

/** A problem object from either API, camelCased; undefined when `body` is not one. */
export function problemFrom(body: unknown, status: number): RegistrarProblem | undefined {
  if (!isRecord(body) || typeof body.code !== "string" || !isProblemCode(body.code)) return undefined;
  const problem = camelCaseKeys(body) as Record<string, unknown>;
  return {
    ...problem,
    type: typeof problem.type === "string" ? problem.type : `urn:registrar:problem:${body.code}`,
    title: typeof problem.title === "string" ? problem.title : body.code,
    status: typeof problem.status === "number" ? problem.status : status,
    detail: typeof problem.detail === "string" ? problem.detail : body.code,
    code: body.code,
  };
}

function clientProblem(code: ClientErrorCode, status: number, detail: string): RegistrarProblem {
  const title = code === "network_error" ? "Server unreachable" : "Unexpected response";
  return { type: `urn:registrar:client:${code}`, title, status, detail, code };
}

/** The server could not be reached at all (connection refused, DNS, aborted). */
export function networkError(baseUrl: string, cause: unknown): RegistrarError {
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is in its cause.
  let reason = "";
  for (let current: unknown = cause, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.message) reason = ` (${current.message})`;
    current = current.cause;
  }
  return new RegistrarError(clientProblem("network_error", 0, `Cannot reach ${baseUrl}${reason}.`), {
    cause,
  });
}

/** A REST answer that is not 2xx: its problem body, or `unexpected_response`. */
export function errorFromResponse(
  status: number,
  body: unknown,
  cause?: unknown,
  contentType?: string | null,
): RegistrarError {
  const problem = problemFrom(body, status);
  if (problem) return new RegistrarError(problem, { cause });
  return new RegistrarError(
    clientProblem(
      "unexpected_response",
      status,
      `The server answered HTTP ${status}${contentType ? ` (${contentType.split(";")[0]})` : ""}, not a Registrar API answer; check the server URL.`,
    ),
    { cause },
  );
}

/**
 * An answer with a body that is not JSON, as `unexpected_response`: a proxy's HTML page, or
 * a URL that is not Registrar. Both clients check every answer with this before parsing it,
 * which would otherwise fail with a bare SyntaxError. Answers without a body (204,
 * `Content-Length: 0`) pass; every other Registrar answer is JSON.
 */
export function notJsonAnswer(response: Response): RegistrarError | undefined {
  if (response.status === 204 || response.headers.get("content-length") === "0") return undefined;
  const type = response.headers.get("content-type") ?? "";
  return /\bjson\b/i.test(type) ? undefined : errorFromResponse(response.status, undefined, undefined, type);
}

/** Any error a tRPC call threw, as a RegistrarError (the problem sits at `data.problem`). */
export function errorFromTrpc(error: unknown, baseUrl = "the Registrar server"): RegistrarError {
  if (error instanceof RegistrarError) return error;
  if (error instanceof TRPCClientError) {
    // raised by the SDK's own fetch wrapper (see registrarLinks)
    if (error.cause instanceof RegistrarError) return error.cause;
    const data: unknown = error.data;
    const status = isRecord(data) && typeof data.httpStatus === "number" ? data.httpStatus : 0;
    const problem = isRecord(data) ? problemFrom(data.problem, status) : undefined;
    if (problem) return new RegistrarError(problem, { cause: error });
    // No error shape at all: the request never got an answer, or the answer was not tRPC's.
    if (error.shape === undefined || error.shape === null) {
      const meta: unknown = error.meta;
      const response = isRecord(meta) ? meta.response : undefined;
      if (isRecord(response) && typeof response.status === "number") {
        return errorFromResponse(response.status, undefined, error);
      }
      return networkError(baseUrl, error.cause ?? error);
    }
    return new RegistrarError(clientProblem("unexpected_response", status, error.message), { cause: error });
  }
  return networkError(baseUrl, error);
}

/**
 * Any error from a Registrar call as a `RegistrarError`: for apps that build their own tRPC
 * client from `registrarLinks` (React Query and the like) and so see `TRPCClientError`s.
 */
export function toRegistrarError(error: unknown): RegistrarError {
  return errorFromTrpc(error);
}
