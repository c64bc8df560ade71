import {
  type ProblemCode,
  RequestProblem,
  ValidationFailed,
  type ValidationIssue,
  validationIssues,
} from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Context } from "hono";
import type { z } from "zod";
import type { ResponseHeader } from "../openapi/response-headers.ts";
import { isNonPlainNumber, markNonPlainNumbers } from "./plain-numbers.ts";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** What REST handlers may use. */
export type RouteDeps = { db: Database };

export type Reply = { status: 200 | 201 | 204; body?: unknown; headers?: Record<string, string> };

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> = {
  method: HttpMethod;
  /** OpenAPI style: `/students/{id}/courses` */
  path: `/${string}`;
  operationId: string;
  summary: string;
  /** What the operation does and answers, beyond its summary (OpenAPI `description`). */
  description: string;
  tag: string;
  /** False for the rare route that never touches the database (so never answers 503). */
  usesDatabase?: false;
  params?: P;
  query?: Q;
  body?: B;
  responses: Partial<
    Record<200 | 201 | 204, { description: string; schema?: z.ZodType; headers?: ResponseHeader[] }>
  >;
  /**
   * The problem codes of this route's own domain, for the OpenAPI document; the input
   * problems (`validation_failed`, and for a body `invalid_json`, `unsupported_media_type`,
   * `payload_too_large`) follow from `params`, `query` and `body`. A code answered with
   * another status than its usual one names it (`course_not_found` for ids in a body: 422).
   */
  problems: Array<ProblemCode | { code: ProblemCode; status: number }>;
  handle(input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> }, deps: RouteDeps): Promise<Reply>;
};

/** A route with its types erased: what the router mounts and the OpenAPI builder reads. */
export type Route = Omit<RouteSpec<z.ZodType, z.ZodType, z.ZodType>, "handle"> & {
  honoPath: string;
  run(c: Context, deps: RouteDeps): Promise<Response>;
};

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): Route {
  const { handle, ...meta } = spec;
  return {
    ...(meta as Omit<Route, "honoPath" | "run">),
    honoPath: spec.path.replace(/\{(\w+)\}/g, ":$1"),
    async run(c, deps) {
      const issues: ValidationIssue[] = [];
      const params = parsePart(spec.params, c.req.param(), issues);
      const query = parsePart(spec.query, c.req.query(), issues);
      if (issues.length > 0) throw new ValidationFailed(issues);
      const body = spec.body ? parsePart(spec.body, await readJsonBody(c), issues) : undefined;
      if (issues.length > 0) throw new ValidationFailed(issues);
      const reply = await handle(
        { params: params as Parsed<P>, query: query as Parsed<Q>, body: body as Parsed<B> },
        deps,
      );
      if (reply.status === 204) return new Response(null, { status: 204, headers: reply.headers });
      return new Response(JSON.stringify(reply.body), {
        status: reply.status,
        headers: { "content-type": "application/json", ...reply.headers },
      });
    },
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
