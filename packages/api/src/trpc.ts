import { initTRPC } from "@trpc/server";
import type { Context } from "./context.ts";
import { problemOf, trpcErrorFor } from "./problem-errors.ts";

/**
 * No data transformer: inputs and outputs are plain JSON, so any HTTP client can call a
 * procedure. Every error carries the REST problem object at `data.problem`, built here
 * and only here; messages never carry SQL or stack traces.
 */
const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const problem = problemOf(error);
    return {
      code: shape.code,
      message: problem.detail,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, problem },
    };
  },
});

/** Gives each failure the tRPC code of its problem's status (404 → NOT_FOUND, ...). */
const problemCodes = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw trpcErrorFor(result.error);
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(problemCodes);
export const createCallerFactory = t.createCallerFactory;
