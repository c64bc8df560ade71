import { type Access, authorize, idSchema, RequestProblem } from "@registrar/core";
import { initTRPC } from "@trpc/server";
import type { Context } from "./context.ts";
import { problemShape, trpcErrorFor } from "./problem-errors.ts";

/**
 * No data transformer: inputs and outputs are plain JSON, so any HTTP client can call a
 * procedure. Every error carries the REST problem object at `data.problem`, built here
 * and only here; messages never carry SQL or stack traces.
 */
const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    return problemShape(error, shape.data.path, ctx?.requestId);
  },
});

/** Gives each failure the tRPC code of its problem's status (404 → NOT_FOUND, ...). */
const problemCodes = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw trpcErrorFor(result.error);
  return result;
});

/** Procedures that read one student's own data, which a student key may call for itself. */
const readsOneStudent = new Set(["students.byId", "enrollments.list"]);

/** What a call does, in the terms roles are defined by (the same as REST's). */
function accessOf(path: string, type: string, input: unknown): Access {
  const [resource] = path.split(".");
  if (resource === "keys") return { kind: "admin" };
  const fields = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  const asId = (value: unknown) => (idSchema.safeParse(value).success ? (value as number) : undefined);
  if (path === "courses.byId") {
    const courseId = asId(fields.id);
    if (courseId !== undefined) return { kind: "read-course", courseId };
  }
  const studentId = asId(resource === "students" ? fields.id : fields.studentId);
  if (readsOneStudent.has(path) && studentId !== undefined) return { kind: "read-student", studentId };
  return type === "query" ? { kind: "read", studentId } : { kind: "write", studentId };
}

/** Refusals decided before the call (401, 429), then the caller's role, when auth is on. */
const accessCheck = t.middleware(async ({ ctx, path, type, getRawInput, next }) => {
  if (ctx.refusal) throw ctx.refusal;
  if (!ctx.auth && path.startsWith("keys.")) {
    throw new RequestProblem(
      "forbidden",
      "Managing API keys needs AUTH=required; use `pnpm keys` on the server.",
    );
  }
  if (ctx.auth) await authorize(ctx.db, ctx.auth.principal, accessOf(path, type, await getRawInput()));
  return next();
});

export const router = t.router;
export const publicProcedure = t.procedure.use(problemCodes).use(accessCheck);
