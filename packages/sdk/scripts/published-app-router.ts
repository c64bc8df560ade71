/**
 * `src/app-router.ts` as the published declarations see it. There `AppRouter` refers to the
 * server's router through `@registrar/api`, a workspace package that is never published;
 * here the router's type is inferred from a call, so the declaration emitter writes every
 * procedure's input and output out in full, referring to nothing but `@trpc/server` (and a
 * few of core's plain types, which the declaration bundle inlines). The rollup config
 * (`rollup.config.mjs`) puts this module in place of `src/app-router.ts`.
 */
import type { AppRouter as ServerRouter } from "@registrar/api";
import { clientRouter } from "../src/app-router.ts";

const appRouter = clientRouter<ServerRouter>();

export type AppRouter = typeof appRouter;
