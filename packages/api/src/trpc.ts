import {
  getTRPCErrorFromUnknown,
  initTRPC,
  type TRPCMutationProcedure,
  type TRPCQueryProcedure,
} from "@trpc/server";
import type { z } from "zod";
import type { Context } from "./context.ts";
import { authorizeBeforeInput, authorizeInput, type Caller } from "./operations/access.ts";
import {
  type AnyOperation,
  type Operation,
  type OperationKind,
  originOf,
} from "./operations/define-operation.ts";
import { problemShape, withProblem } from "./problem-errors.ts";

/**
 * No data transformer: inputs and outputs are plain JSON, so any HTTP client can call a
 * procedure. Every error carries the REST problem object at `data.problem`, built in
 * problem-errors.ts once per failure; messages never carry SQL or stack traces.
 */
const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    return problemShape(error, shape.data.path, ctx?.requestId);
  },
});

const callerOf = (ctx: Context): Caller => ({ db: ctx.db, principal: ctx.auth?.principal });

/**
 * Before the input is parsed: the refusals decided before the call (401, 429), then what of
 * the access rule needs no input. Every failure of the call, these and all after them, leaves
 * with its problem and the tRPC code of the problem's status (404 → NOT_FOUND, ...).
 *
 * One middleware, and the input's access check in the resolver, rather than one middleware
 * each: tRPC copies the call's options and context at every middleware level.
 */
function admission(operation: AnyOperation) {
  return t.middleware(async ({ ctx, next }) => {
    try {
      if (ctx.refusal) throw ctx.refusal;
      await authorizeBeforeInput(callerOf(ctx), operation.access);
    } catch (error) {
      throw withProblem(getTRPCErrorFromUnknown(error));
    }
    const result = await next();
    if (!result.ok) throw withProblem(result.error);
    return result;
  });
}

type RootTypes = (typeof t)["_config"]["$types"];

/** The procedure an operation is served as: its input as callers send it, its service's answer. */
type ProcedureOf<O> =
  O extends Operation<string, infer Kind extends OperationKind, infer S, infer Output>
    ? {
        query: TRPCQueryProcedure<ProcedureTypes<S, Output>>;
        mutation: TRPCMutationProcedure<ProcedureTypes<S, Output>>;
      }[Kind]
    : never;
type ProcedureTypes<S, Output> = {
  // biome-ignore lint/suspicious/noConfusingVoidType: what tRPC types a procedure without `.input()` as
  input: S extends z.ZodType ? z.input<S> : void;
  output: Output;
  meta: RootTypes["meta"];
  errorShape: RootTypes["errorShape"];
};

function procedureFor(operation: AnyOperation) {
  const base = t.procedure.use(admission(operation));
  // An operation without input reads none (as a procedure without `.input()` does). The
  // builders' types are erased here: `routerOf` gives each procedure its operation's types.
  const parsed = operation.input ? (base.input(operation.input) as unknown as typeof base) : base;
  // The access rule on the parsed input, then the service.
  const resolve = async ({ ctx, input }: { ctx: Context; input: unknown }) => {
    await authorizeInput(callerOf(ctx), operation.access, input as never);
    return operation.run({ db: ctx.db, origin: originOf("trpc", ctx.auth?.principal) }, input as never);
  };
  return operation.kind === "query" ? parsed.query(resolve) : parsed.mutation(resolve);
}

/**
 * One resource's procedures, made from its operations only (a procedure without an access
 * rule cannot be written): each operation's name must be `<prefix>.<key>`, its tRPC path.
 */
export function routerOf<
  Prefix extends string,
  Operations extends Record<string, AnyOperation> & {
    [K in keyof Operations]: { name: `${Prefix}.${K & string}` };
  },
>(_prefix: Prefix, operations: Operations) {
  const procedures = Object.fromEntries(
    Object.entries(operations).map(([key, operation]) => [key, procedureFor(operation)]),
  ) as { [K in keyof Operations]: ProcedureOf<Operations[K]> };
  return t.router(procedures);
}

export const router = t.router;
