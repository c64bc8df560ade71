import {
  type AccessRule,
  type AnyOperation,
  type AnyRestBinding,
  authorizeBeforeInput,
  authorizeInput,
  type Caller,
  type EtagSource,
  type OperationDeps,
  originOf,
  type ProblemSpec,
  type RestEndpoint,
  type RestParts,
  type RestStatus,
  snakeCased,
  snakeCaseKey,
} from "@registrar/api";
import {
  problemFromError,
  RequestProblem,
  ValidationFailed,
  type ValidationIssue,
  validationIssues,
} from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Context } from "hono";
import type { z } from "zod";
import type { ResponseHeader } from "../openapi/response-headers.ts";
import { answerWithHeaders } from "../security/answer-headers.ts";
import { ifMatchHolds, ifNoneMatchMatches, strongEtag } from "./etag.ts";
import { type IdempotencyKeeper, idempotentRequest, type KeptAnswer } from "./idempotency.ts";
import { isNonPlainNumber, markNonPlainNumbers } from "./plain-numbers.ts";
import { problemResponse } from "./problem-response.ts";

/** What REST handlers may use. */
export type RouteDeps = OperationDeps;

export type Reply = {
  status: RestStatus;
  body?: unknown;
  headers?: Record<string, string>;
  /** What the ETag is computed from, when the route's ETag source takes it from the answer (`ofAnswer`). */
  etagSource?: unknown;
};

export type RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  Input,
> = RestEndpoint<Input, P, Q, B> & {
  /** False for the rare route that never touches the database (so never answers 503). */
  usesDatabase?: false;
  responses: Partial<
    Record<RestStatus, { description: string; schema?: z.ZodType; headers?: ResponseHeader[] }>
  >;
  /**
   * The problem codes of this route's own domain, for the OpenAPI document; the input
   * problems (`validation_failed`, and for a body `invalid_json`, `unsupported_media_type`,
   * `payload_too_large`) follow from `params`, `query` and `body`.
   */
  problems: ProblemSpec[];
  /**
   * A body that is not JSON (a OneRoster zip): read as bytes, at most `maxBytes`, and given
   * to `input` as `parts.body` (declare B as `z.ZodType<Uint8Array>`, or with `streamed`
   * as `z.ZodType<Uint8Array | ReadableStream<Uint8Array>>`); its media type is checked
   * and the OpenAPI document names it.
   */
  rawBody?: RawBodySpec;
  /** Required: a route without an access rule does not compile. */
  access: AccessRule<Input>;
  handle(input: Input, deps: RouteDeps): Promise<Reply>;
};

export type RawBodySpec = {
  mediaType: string;
  maxBytes: number;
  description: string;
  /**
   * The body is given as the request's stream, capped at `maxBytes` as it is read (over
   * it, reading fails with 413 `payload_too_large`), so that a large upload is never held
   * whole; with an `Idempotency-Key` it is read whole first, as the key's fingerprint
   * covers the body.
   */
  streamed?: true;
};

/** A route with its types erased: what the router mounts and the OpenAPI builder reads. */
export type Route = Omit<
  RouteSpec<z.ZodType, z.ZodType, z.ZodType, unknown>,
  "handle" | "input" | "access" | "etag"
> & { etag?: EtagSource<never> } & {
  honoPath: string;
  /**
   * What of the access rule needs no input, mounted before the body limit: a caller who
   * may never call this route is refused before its body is read.
   */
  admit(caller: Caller): Promise<void>;
  /**
   * Parses the parts, checks the access rule on them, and answers; a write with an
   * `Idempotency-Key` runs through `services.idempotency`.
   */
  run(c: Context, caller: Caller, services?: RouteServices): Promise<Response>;
};

/** What the app gives every route, beyond the caller. */
export type RouteServices = { idempotency?: IdempotencyKeeper };

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  Input = undefined,
>(spec: RouteSpec<P, Q, B, Input>): Route {
  const { handle, input, access, etag, ...meta } = spec;

  /** A read: its tag, and 304 when `If-None-Match` matches it. */
  async function conditionalRead(
    c: Context,
    source: EtagSource<Input>,
    parsed: Input,
    { db, origin }: RouteDeps,
  ) {
    // A tag taken from the answer (`answerIsCurrent`, `ofAnswer`) is of exactly the rows
    // answered. Otherwise the version is read before the answer: should a write commit
    // between the two, the tag is older than the body (a later If-Match fails safe), never newer.
    const fromAnswer = source.answerIsCurrent || source.ofAnswer !== undefined;
    const version = fromAnswer ? undefined : await source.current(db, parsed, { lock: false });
    const reply = await handle(parsed, { db, origin });
    const tagSource = source.ofAnswer ? reply.etagSource : version;
    const tagged = source.answerIsCurrent ? reply.body : tagSource && snakeCased(tagSource);
    if (tagged === undefined) return responseOf(c, reply);
    const tag = strongEtag(tagged);
    if (ifNoneMatchMatches(c.req.header("if-none-match"), tag)) {
      return answerWithHeaders(c, null, 304, { etag: tag });
    }
    return responseOf(c, { ...reply, headers: { ...reply.headers, etag: tag } });
  }

  /** A write in `trx`: `If-Match` compared under the write's first lock, and the answer's tag. */
  async function conditionalWrite(
    trx: Database,
    source: EtagSource<Input> | undefined,
    ifMatch: string | undefined,
    parsed: Input,
    origin: RouteDeps["origin"],
  ): Promise<Reply> {
    if (source && ifMatch !== undefined) {
      const current = await source.current(trx, parsed, { lock: true });
      // A missing resource answers what it answers without the condition (404, RFC 9110 §13.2.1).
      if (current !== undefined && !ifMatchHolds(ifMatch, strongEtag(snakeCased(current)))) {
        throw new RequestProblem(
          "precondition_failed",
          "The resource changed since the ETag in If-Match was sent: nothing was written. Read it again.",
        );
      }
    }
    const reply = await handle(parsed, { db: trx, origin });
    if (!source) return reply;
    if (source.answerIsCurrent) {
      return reply.status === 204
        ? reply
        : { ...reply, headers: { ...reply.headers, etag: strongEtag(reply.body) } };
    }
    const after = await source.current(trx, parsed, { lock: false });
    return after === undefined
      ? reply
      : { ...reply, headers: { ...reply.headers, etag: strongEtag(snakeCased(after)) } };
  }

  return {
    ...(meta as Omit<Route, "honoPath" | "admit" | "run" | "etag">),
    ...(etag && { etag: etag as EtagSource<never> }),
    honoPath: spec.path.replace(/\{(\w+)\}/g, ":$1"),
    admit: (caller) => authorizeBeforeInput(caller, access),
    async run(c, caller, services = {}) {
      const issues: ValidationIssue[] = [];
      const params = parsePart(spec.params, c.req.param(), issues);
      const query = parsePart(spec.query, c.req.query(), issues);
      if (issues.length > 0) throw new ValidationFailed(issues);
      const keeper = services.idempotency;
      // A raw body is read as bytes before anything reads it as text (which would mangle it).
      const whole = !spec.rawBody?.streamed || (keeper && c.req.header("idempotency-key") !== undefined);
      const rawBody = spec.rawBody ? await readRawBody(c, spec.rawBody, Boolean(whole)) : undefined;
      const idempotent =
        keeper &&
        (await idempotentRequest(
          c,
          caller.principal?.keyId,
          rawBody instanceof Uint8Array ? rawBody : undefined,
        ));
      const body = rawBody ?? (spec.body ? parsePart(spec.body, await readJsonBody(c), issues) : undefined);
      if (issues.length > 0) throw new ValidationFailed(issues);
      const parsed = input({ params, query, body } as RestParts<P, Q, B>);
      await authorizeInput(caller, access, parsed);
      const origin = originOf("rest", caller.principal);
      if (spec.method === "get") {
        return etag
          ? conditionalRead(c, etag, parsed, { db: caller.db, origin })
          : responseOf(c, await handle(parsed, { db: caller.db, origin }));
      }
      const ifMatch = etag ? c.req.header("if-match") : undefined;
      // A conditional or keyed write runs in a transaction of the adapter's (the service's
      // own becomes a savepoint), where a version-tagged write also reads its new tag. A
      // plain write keeps its own transaction and statements (the bench's hot path): its
      // answer carries a tag only when the answer is the resource itself, which costs nothing.
      if (!idempotent && ifMatch === undefined) {
        const reply = await handle(parsed, { db: caller.db, origin });
        if (!etag?.answerIsCurrent || reply.status === 204) return responseOf(c, reply);
        return responseOf(c, { ...reply, headers: { ...reply.headers, etag: strongEtag(reply.body) } });
      }
      if (!idempotent) {
        return responseOf(
          c,
          await caller.db.transaction((trx) => conditionalWrite(trx, etag, ifMatch, parsed, origin)),
        );
      }
      return keeper.run(caller.db, idempotent, async (trx) => {
        try {
          // A savepoint of its own: a service's failed statement must not abort the
          // transaction that keeps its answer.
          return keptAnswerOf(
            await trx.transaction((savepoint) => conditionalWrite(savepoint, etag, ifMatch, parsed, origin)),
          );
        } catch (error) {
          const problem = problemFromError(error);
          if (problem.status >= 500) throw error;
          const requestId = (c as Context<{ Variables: { requestId?: string } }>).get("requestId");
          const response = problemResponse(problem, requestId);
          return {
            status: response.status,
            location: null,
            etag: null,
            contentType: response.headers.get("content-type"),
            body: await response.text(),
          };
        }
      });
    },
  };
}

/**
 * An operation's REST binding as a route: its parts parsed, mapped to the operation's
 * input, and its answer in snake_case (the one place REST's casing is made).
 */
export function operationRoute(operation: AnyOperation & { rest: AnyRestBinding }): Route {
  const { rest } = operation;
  const responses: Route["responses"] = {};
  for (const [status, { description }] of Object.entries(rest.responses)) {
    const code = Number(status) as RestStatus;
    responses[code] =
      code === 204
        ? { description }
        : {
            description,
            schema: operation.output,
            ...(code === 201 && rest.location && { headers: ["Location"] }),
          };
  }
  return defineRoute<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, never>({
    method: rest.method,
    path: rest.path,
    operationId: rest.operationId,
    summary: rest.summary,
    description: rest.description,
    tag: rest.tag,
    params: rest.params,
    query: rest.query,
    body: rest.body,
    responses,
    problems: operation.problems,
    access: operation.access,
    ...(rest.etag && { etag: rest.etag as EtagSource<never> }),
    input: (parts) => rest.input(parts) as never,
    async handle(input, deps) {
      const output = await operation.run(deps, input).catch(restIssuePaths);
      const status = typeof rest.status === "function" ? rest.status(output) : rest.status;
      if (status === 204) return { status };
      const headers = rest.location && { location: rest.location(output) };
      const ofAnswer = rest.etag?.ofAnswer;
      return {
        status,
        body: snakeCased(output),
        ...(headers && { headers }),
        ...(ofAnswer && { etagSource: ofAnswer(output) }),
      };
    },
  });
}

/**
 * A service names a field as its input does (camelCase); on REST the client sent it in
 * snake_case, so a service-raised validation failure is renamed where it leaves the
 * operation. The adapter's own parse failures already carry the names of the REST schemas.
 */
function restIssuePaths(error: unknown): never {
  if (!(error instanceof ValidationFailed)) throw error;
  throw new ValidationFailed(
    error.extras.errors.map(({ path, message }) => ({
      path: path.split(".").map(snakeCaseKey).join("."),
      message,
    })),
  );
}

/** The answer as a Response, made with the headers every answer carries (answer-headers.ts). */
function responseOf(c: Context, reply: Reply): Response {
  if (reply.status === 204) return answerWithHeaders(c, null, 204, reply.headers);
  return answerWithHeaders(c, JSON.stringify(reply.body), reply.status, {
    "content-type": "application/json",
    ...reply.headers,
  });
}

function keptAnswerOf(reply: Reply): KeptAnswer {
  const { location = null, etag = null } = reply.headers ?? {};
  return reply.status === 204
    ? { status: 204, location, etag, contentType: null, body: null }
    : {
        status: reply.status,
        location,
        etag,
        contentType: "application/json",
        body: JSON.stringify(reply.body),
      };
}

function parsePart(schema: z.ZodType | undefined, value: unknown, issues: ValidationIssue[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const found = validationIssues(result.error, ({ input }) =>
    isNonPlainNumber(input)
      ? `must be an integer in plain decimal, not ${input.slice(input.indexOf(":") + 1)}`
      : undefined,
  );
  // A loop, not push(...found): a 1 MiB body can hold more unknown fields than a call has arguments.
  for (const issue of found) issues.push(issue);
  return undefined;
}

const jsonMediaType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * The request body as JSON. No body at all is a validation failure (the body is required);
 * a body of another media type is a 415; a body that does not parse is `invalid_json`.
 * The 1 MiB limit is enforced by the body-limit middleware while this reads.
 */
async function readJsonBody(c: Context): Promise<unknown> {
  const contentType = c.req.header("content-type");
  const text = await c.req.text();
  if (text.length === 0) {
    throw new ValidationFailed([{ path: "", message: "a JSON object body is required" }]);
  }
  if (!contentType || !jsonMediaType.test(contentType)) {
    throw new RequestProblem(
      "unsupported_media_type",
      `Send the body as application/json, not ${contentType ? contentType.split(";")[0] : "without a Content-Type"}.`,
    );
  }
  try {
    return JSON.parse(markNonPlainNumbers(text));
  } catch {
    throw new RequestProblem("invalid_json", "The request body is not valid JSON.");
  }
}

/**
 * A body of `spec.mediaType`, as bytes (`whole`) or as a stream, either way read through
 * `cappedBody`. No body at all is a validation failure; another media type is a 415.
 * Content-Length over the cap was refused before (app.ts); this cap is for a body sent
 * without one (chunked), which is counted as it comes.
 */
async function readRawBody(
  c: Context,
  spec: RawBodySpec,
  whole: boolean,
): Promise<Uint8Array | ReadableStream<Uint8Array>> {
  const contentType = c.req.header("content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  const body = c.req.raw.body;
  if (!body || c.req.header("content-length") === "0") throw emptyBody(spec);
  if (mediaType !== spec.mediaType && mediaType !== "application/octet-stream") {
    throw new RequestProblem(
      "unsupported_media_type",
      `Send the body as ${spec.mediaType}, not ${mediaType ?? "without a Content-Type"}.`,
    );
  }
  const capped = cappedBody(body, spec);
  return whole ? new Uint8Array(await new Response(capped).arrayBuffer()) : capped;
}

const emptyBody = (spec: RawBodySpec) =>
  new ValidationFailed([{ path: "", message: `a ${spec.mediaType} body is required` }]);

/** The body as it comes; it fails with 413 past `maxBytes` bytes, and with 400 if it ends empty. */
function cappedBody(body: ReadableStream<Uint8Array>, spec: RawBodySpec): ReadableStream<Uint8Array> {
  let received = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > spec.maxBytes) {
          throw new RequestProblem("payload_too_large", `The request body is over ${spec.maxBytes} bytes.`);
        }
        controller.enqueue(chunk);
      },
      flush() {
        if (received === 0) throw emptyBody(spec);
      },
    }),
  );
}
