import type { Context as TrpcContext } from "@registrar/api";
import type { Database } from "@registrar/db";
import type { Context } from "hono";
import type { SecurityVariables } from "./guard.ts";

/** The tRPC context of a request the security middleware has already seen. */
export function trpcContextFor(c: Context<{ Variables: SecurityVariables }>, db: Database): TrpcContext {
  const principal = c.get("principal");
  return {
    db,
    requestId: c.get("requestId"),
    refusal: c.get("refusal"),
    ...(principal ? { auth: { principal } } : {}),
  };
}
