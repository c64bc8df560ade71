import {
  isProblemCode,
  type ProblemBase,
  type ProblemCode,
  type ProblemExtras,
  type TypedProblem,
} from "@registrar/contract";
import { TRPCClientError } from "@trpc/client";

export type { ProblemCode, ValidationIssue } from "@registrar/contract";

/**
 * Codes the SDK itself raises when no problem came back: the server could not be reached
 * (`network_error`, status 0), or it answered with something that is not a problem
 * (`unexpected_response`, e.g. an HTML page from a proxy).
 */
export type ClientErrorCode = "network_error" | "unexpected_response";

export type RegistrarErrorCode = ProblemCode | ClientErrorCode;

/** Every extra member some code carries (`studentId`, `missingCourseIds`, `retryAfter`, ...). */
type ExtraName = {
  [C in ProblemCode]: ProblemExtras<C> extends infer E ? (E extends unknown ? keyof E : never) : never;
}[ProblemCode];

/**
 * Each code's problem also names the other codes' extras as absent, so that a member reads
 * without narrowing first (`problem.missingCourseIds` is `number[] | undefined`), and reads
 * exactly after narrowing on `code` (`number[]` once `code` is `course_full`... or the 422
 * of `course_not_found`).
 */
type Exclusive<P> = P extends unknown
  ? P & { [Name in Exclude<ExtraName, keyof P>]?: undefined } & { [extra: string]: unknown }
  : never;

/**
 * An RFC 9457 problem as the SDK hands it out: camelCase whichever API it came from
 * (REST sends `missing_course_ids`, tRPC `missingCourseIds`; both arrive as the latter,
 * and REST's `Retry-After` header as `retryAfter`). A union over `code`: each code carries
 * the extras the contract gives it (@registrar/contract's `problemCodes`).
 */
export type RegistrarProblem = Exclusive<TypedProblem | ProblemBase<ClientErrorCode>>;

/** The problem of one code: `RegistrarProblemOf<"course_full">["fullCourseIds"]` is `number[]`. */
export type RegistrarProblemOf<C extends RegistrarErrorCode> = Extract<RegistrarProblem, { code: C }>;

class RegistrarErrorClass extends Error {
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

/** A RegistrarError of one code: its `problem` carries that code's extras. */
export type RegistrarErrorOf<C extends RegistrarErrorCode> = Omit<RegistrarErrorClass, "code" | "problem"> & {
  readonly code: C;
  readonly problem: RegistrarProblemOf<C>;
};

/**
 * Any failure of a Registrar call, REST or tRPC, with the contract's `code` and extras: a
 * union over `code`, so `if (error.code === "course_full") error.problem.fullCourseIds` is
 * a `number[]`.
 */
export type RegistrarError = { [C in RegistrarErrorCode]: RegistrarErrorOf<C> }[RegistrarErrorCode];

type RegistrarErrorConstructor = {
  new (problem: RegistrarProblem, options?: { cause?: unknown }): RegistrarError;
  /** what `instanceof RegistrarError` narrows to: the union */
  readonly prototype: RegistrarError;
};

/**
 * One class at run time; its instances are typed as the union (a class cannot say that its
 * `problem` follows its `code`, and the constructor takes them together from one problem).
 */
export const RegistrarError = RegistrarErrorClass as unknown as RegistrarErrorConstructor;

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
  // The server's answer is the contract's: its extras are those of its code.
  return {
    ...problem,
    type: typeof problem.type === "string" ? problem.type : `urn:registrar:problem:${body.code}`,
    title: typeof problem.title === "string" ? problem.title : body.code,
    status: typeof problem.status === "number" ? problem.status : status,
    detail: typeof problem.detail === "string" ? problem.detail : body.code,
    code: body.code,
  } as RegistrarProblem;
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
