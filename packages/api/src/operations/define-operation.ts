import type { ChangeOrigin, Principal, ProblemCode } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { z } from "zod";
import type { AccessRule } from "./access.ts";

export type OperationKind = "query" | "mutation";

/** What an operation's service call may use. */
export type OperationDeps = {
  db: Database;
  /** Who calls and over which transport: every enrollment write records it in its history. */
  origin: ChangeOrigin;
};

/** The transports that serve operations. */
export type Transport = "rest" | "trpc";

/**
 * The origin of a call as its adapter knows it: the transport, and the verified key (none
 * when auth is off, recorded as an actor of nulls).
 */
export function originOf(source: Transport, principal: Principal | undefined): ChangeOrigin {
  return { source, actor: principal ? { keyId: principal.keyId, role: principal.role } : null };
}

/**
 * A problem code an operation can raise. A code answered with another status than its
 * usual one names it (`course_not_found` for ids in a body: 422).
 */
export type ProblemSpec = ProblemCode | { code: ProblemCode; status: number };

/** A schema's parsed value; `undefined` for an operation or REST part that takes none. */
export type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
export type RestStatus = 200 | 201 | 204;

/** The REST parts of a request, each parsed by its schema. */
export type RestParts<P, Q, B> = { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> };

/**
 * How an operation is served over REST (snake_case on the wire; the REST adapter converts
 * the answer in one place). What the OpenAPI document says of the operation comes from here.
 */
export type RestBinding<Input, Output, P, Q, B> = Omit<RestEndpoint<Input, P, Q, B>, "etag"> & {
  /** What the route's strong `ETag` is computed from (contract v1.1, conditional requests). */
  etag?: EtagSource<Input, Output>;
  /** The answers it may give; every one but a 204 carries the operation's output. */
  responses: Partial<Record<RestStatus, { description: string }>>;
  status: RestStatus | ((output: Output) => RestStatus);
  /** The `Location` of a created resource. */
  location?: (output: Output) => string;
};

/**
 * A REST endpoint as the route table and the OpenAPI document read it: where it is, what
 * it is called and says, the parts it parses, how they become its input and its ETag.
 * Shared by operations' bindings and by the routes written by hand (health).
 */
export type RestEndpoint<Input, P, Q, B> = {
  method: HttpMethod;
  /** OpenAPI style: `/students/{id}/courses` */
  path: `/${string}`;
  operationId: string;
  summary: string;
  /** What the operation does and answers, beyond its summary (OpenAPI `description`). */
  description: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The operation's input from the parsed REST parts. */
  input(parts: RestParts<P, Q, B>): Input;
  /** What the route's strong `ETag` is computed from (contract v1.1, conditional requests). */
  etag?: EtagSource<Input>;
};

/**
 * The source of a resource's strong ETag: the REST adapter hashes what `current` answers
 * (snake-cased JSON), so equal tags mean equal sources.
 */
export type EtagSource<Input, Output = never> = {
  /**
   * The tagged resource now, or a version of it; undefined when it does not exist. With
   * `lock`, in the write's transaction and under the row lock that write takes first, so
   * an `If-Match` is compared where no other write can come between.
   */
  current(db: Database, input: Input, options: { lock: boolean }): Promise<unknown>;
  /**
   * The operation's answer is the tagged resource itself (a GET of it, a PATCH answering
   * it): its tag is the answer's, with no statement of its own.
   */
  answerIsCurrent?: boolean;
  /**
   * For a GET whose answer was read together with its version: what `current` would
   * answer, taken from the answer, so the read sends no statement of its own and its tag
   * is of exactly the rows it answers. Writes still read `current`.
   */
  ofAnswer?(answer: Output): unknown;
};

export type Operation<
  Name extends string,
  Kind extends OperationKind,
  S extends z.ZodType | undefined,
  Output,
> = {
  /** The tRPC path, `resource.procedure`. */
  name: Name;
  kind: Kind;
  /** The tRPC input (camelCase); undefined for an operation that takes none. */
  input: S;
  /** What the operation answers (camelCase), for the OpenAPI document; nothing parses with it. */
  output: z.ZodType;
  /** Required: an operation without an access rule does not compile. */
  access: AccessRule<Parsed<S>>;
  /**
   * The problem codes of the operation's own domain; the input problems
   * (`validation_failed`, and over REST with a body `invalid_json`, ...) follow from its schemas.
   */
  problems: ProblemSpec[];
  run(deps: OperationDeps, input: Parsed<S>): Promise<Output>;
  rest?: AnyRestBinding;
  /** Further REST routes of the same operation (a history of a pair, a student, a course); see {@link restBinding}. */
  alsoRest?: AnyRestBinding[];
};

/** A REST binding with its types erased, as the REST adapter reads it. */
export type AnyRestBinding = RestBinding<
  unknown,
  unknown,
  z.ZodType | undefined,
  z.ZodType | undefined,
  z.ZodType | undefined
>;

/** Any operation, as the adapters take them. */
export type AnyOperation = {
  name: string;
  kind: OperationKind;
  input: z.ZodType | undefined;
  output: z.ZodType;
  access: AccessRule<never>;
  problems: ProblemSpec[];
  run(deps: OperationDeps, input: never): Promise<unknown>;
  rest?: AnyRestBinding;
  alsoRest?: AnyRestBinding[];
};

type OperationSpec<
  Name extends string,
  Kind extends OperationKind,
  S extends z.ZodType | undefined,
  Output,
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> = Omit<Operation<Name, Kind, S, Output>, "rest"> & { rest?: RestBinding<Parsed<S>, Output, P, Q, B> };

/**
 * One operation, declared once: the tRPC router and the REST route table are adapters over
 * these declarations, and both check `access` through the same functions (access.ts).
 */
export function defineOperation<
  Name extends string,
  Kind extends OperationKind,
  S extends z.ZodType | undefined,
  Output,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: OperationSpec<Name, Kind, S, Output, P, Q, B>): Operation<Name, Kind, S, Output> {
  // The binding's own part types only matter where it is written; the adapter parses with its schemas.
  return spec as Operation<Name, Kind, S, Output>;
}

/**
 * A further REST binding of an operation whose input and output are `Input` and `Output`,
 * typed where it is written (its parts' schemas are its own) and erased for `alsoRest`.
 */
export function restBinding<Input, Output>() {
  return <
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
  >(
    binding: RestBinding<Input, Output, P, Q, B>,
  ): AnyRestBinding => binding as unknown as AnyRestBinding;
}
