export type { Context } from "./context.ts";
export { trpcRefusal } from "./problem-errors.ts";
export { type AppRouter, appRouter } from "./root.ts";
