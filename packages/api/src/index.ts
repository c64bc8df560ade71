export type { Context } from "./context.ts";
export { type AppRouter, appRouter } from "./root.ts";
