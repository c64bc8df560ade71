import type { AppRouter as ServerRouter } from "@registrar/api";
import type { AnyRouter, TRPCBuiltRouter } from "@trpc/server";

type RootTypes<R extends AnyRouter> = R["_def"]["_config"]["$types"];

/**
 * A router as its clients see it: its procedures and its error shape, but not the server's
 * context type (a knex handle), which no client ever receives and which would tie the SDK's
 * declarations to the server's packages. Declared as a function, never defined: a call's
 * inferred type is what `scripts/published-app-router.ts` has the declaration emitter write
 * out in full for the published package.
 */
export declare function clientRouter<R extends AnyRouter>(): TRPCBuiltRouter<
  {
    ctx: object;
    meta: RootTypes<R>["meta"];
    errorShape: RootTypes<R>["errorShape"];
    transformer: RootTypes<R>["transformer"];
  },
  { [K in keyof R["_def"]["record"]]: R["_def"]["record"][K] }
>;

/** The Registrar server's router, as a type: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = ReturnType<typeof clientRouter<ServerRouter>>;
