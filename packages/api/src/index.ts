export type { Context } from "./context.ts";
export { problemOf } from "./problem-errors.ts";
export { type AppRouter, appRouter } from "./root.ts";
export { createCallerFactory } from "./trpc.ts";
