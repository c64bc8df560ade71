import {
  DomainError,
  type Problem,
  problemFromError,
  problemInstance,
  RequestProblem,
  ValidationFailed,
} from "@registrar/core";
import { StandardSchemaV1Error, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";

type TRPCCode = TRPCError["code"];

const codeByStatus: Record<number, TRPCCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

const invalidInputJson = () => new RequestProblem("invalid_json", "The input is not valid JSON.");

/** tRPC's own failures, before any procedure runs, as the contract's codes. */
const problemByTrpcCode: Partial<Record<TRPCCode, () => DomainError>> = {
  PARSE_ERROR: invalidInputJson,
  NOT_FOUND: () => new RequestProblem("not_found", "There is no such procedure."),
  METHOD_NOT_SUPPORTED: () =>
    new RequestProblem("method_not_allowed", "Queries are called with GET, mutations with POST."),
  PAYLOAD_TOO_LARGE: () => new RequestProblem("payload_too_large", "The request body is over 1 MiB."),
  UNSUPPORTED_MEDIA_TYPE: () =>
    new RequestProblem("unsupported_media_type", "Send the input as application/json."),
};

/** Standard-schema issue paths hold keys or `{ key }` segments. */
function standardIssues(error: StandardSchemaV1Error): ValidationFailed {
  return new ValidationFailed(
    error.issues.map((issue) => ({
      path: (issue.path ?? [])
        .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
        .join("."),
      message: issue.message,
    })),
  );
}

/** The domain error behind a tRPC error, or the error itself. */
function rootCause(error: TRPCError): unknown {
  const cause = error.cause;
  if (cause instanceof DomainError || cause instanceof ZodError) return cause;
  if (cause instanceof StandardSchemaV1Error) return standardIssues(cause);
  if (cause instanceof TRPCError) return rootCause(cause);
  // the `input` query parameter or the body did not parse
  if (cause instanceof SyntaxError) return invalidInputJson();
  // tRPC wraps thrown non-errors in an UnknownCauseError; anything else is a real cause.
  if (error.code === "INTERNAL_SERVER_ERROR") return cause ?? error;
  return problemByTrpcCode[error.code]?.() ?? cause ?? error;
}

/** The contract's problem object for any error a procedure or tRPC itself raised. */
function problemOf(error: TRPCError): Problem {
  const cause = rootCause(error);
  if (error.code === "BAD_REQUEST" && !(cause instanceof DomainError) && !(cause instanceof ZodError)) {
    return problemFromError(new ValidationFailed([{ path: "", message: error.message }]));
  }
  return problemFromError(cause);
}

/** A TRPCError with its problem, built once: its tRPC code follows the problem's HTTP status. */
class ProblemError extends TRPCError {
  readonly problem: Problem;

  constructor(problem: Problem, cause: unknown) {
    super({ code: codeByStatus[problem.status] ?? "INTERNAL_SERVER_ERROR", message: problem.detail, cause });
    this.problem = problem;
  }
}

/**
 * The error a failed procedure call is answered with (its problem built here, once, so
 * that `onError` sees the code clients get and the formatter reuses the problem).
 */
export function withProblem(error: TRPCError): TRPCError {
  if (error instanceof ProblemError) return error;
  return new ProblemError(problemOf(error), error.cause ?? error);
}

/**
 * The error shape every tRPC failure is sent in: tRPC's own, with the problem at
 * `data.problem`. A failure of a procedure call has its problem already; one that tRPC
 * raised before any procedure ran (an unknown procedure, input that is not JSON) keeps
 * tRPC's code and gets its problem here.
 */
export function problemShape(error: TRPCError, path: string | undefined, requestId: string | undefined) {
  const built = error instanceof ProblemError ? error.problem : problemOf(error);
  const problem = requestId ? { ...built, instance: problemInstance(requestId) } : built;
  return {
    code: TRPC_ERROR_CODES_BY_KEY[error.code],
    message: problem.detail,
    data: { code: error.code, httpStatus: getHTTPStatusCodeFromError(error), path, problem },
  };
}

/**
 * The `Retry-After` of a tRPC answer: the longest `retryAfter` of its failures' problems
 * (a 503, a rate limit, an idempotency key in use), so that HTTP clients and proxies that
 * read the header wait as REST callers do. Undefined when no failure says when to retry.
 */
export function retryAfterOf(errors: readonly TRPCError[]): number | undefined {
  let longest: number | undefined;
  for (const error of errors) {
    const problem = error instanceof ProblemError ? error.problem : problemOf(error);
    const seconds = (problem as { retryAfter?: unknown }).retryAfter;
    if (typeof seconds === "number" && (longest === undefined || seconds > longest)) longest = seconds;
  }
  return longest;
}

/**
 * The answer to a tRPC request refused as a whole before any of its calls ran (a batch
 * over the size limit): one error object rather than one per call, which tRPC clients
 * hand to every call of the batch.
 */
export function trpcRefusal(
  refusal: DomainError,
  requestId: string | undefined,
): { status: number; body: { error: ReturnType<typeof problemShape> } } {
  const error = withProblem(new TRPCError({ code: "BAD_REQUEST", cause: refusal }));
  const shape = problemShape(error, undefined, requestId);
  return { status: shape.data.httpStatus, body: { error: shape } };
}
