export type { Context } from "./context.ts";
export {
  type AccessRule,
  administers,
  authorizeBeforeInput,
  authorizeInput,
  type Caller,
  managesKeys,
  open,
  reads,
  readsCourse,
  readsHistory,
  readsStudent,
  writes,
  writesStudent,
} from "./operations/access.ts";
export {
  type AnyOperation,
  type AnyRestBinding,
  defineOperation,
  type EtagSource,
  type HttpMethod,
  type Operation,
  type OperationDeps,
  originOf,
  type ProblemSpec,
  type RestEndpoint,
  type RestParts,
  type RestStatus,
  restBinding,
  type Transport,
} from "./operations/define-operation.ts";
export { retryAfterOf, trpcRefusal } from "./problem-errors.ts";
export { type AppRouter, allOperations, appRouter, operationsByResource, procedureNames } from "./root.ts";
export { routerOf } from "./trpc.ts";
export { type SnakeCase, type SnakeCased, snakeCased, snakeCaseKey } from "./wire-case.ts";
