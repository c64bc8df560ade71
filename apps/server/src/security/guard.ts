import { procedureNames, trpcRefusal } from "@registrar/api";
import { TRPC_MAX_BATCH_SIZE } from "@registrar/contract";
import type { DomainError, Principal } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { clientAddress } from "../http/client-address.ts";
import { type AuthMode, createAuthenticator } from "./authentication.ts";
import {
  createMemoryRateLimitStore,
  createRateLimiter,
  isRateLimitedPath,
  type RateLimitStore,
  type RateVerdict,
  rateLimited,
} from "./rate-limit.ts";
import { batchTooLarge, trpcCallCount } from "./trpc-batch.ts";

export type GuardOptions = {
  db: Database;
  logger?: Logger | undefined;
  /** `required`: every route but health, `/docs` and `/openapi.json` needs a key. Default off. */
  auth?: { mode: AuthMode; keyCacheTtlMs?: number | undefined } | undefined;
  /** Requests per minute per key (or per IP without one); absent or 0: no limit. */
  rateLimit?: { perMinute: number; store?: RateLimitStore | undefined } | undefined;
  /** The most calls one tRPC batch may carry; default `TRPC_MAX_BATCH_SIZE` of @registrar/contract. */
  trpcMaxBatchSize?: number | undefined;
};

/** What the security layers leave on the request for later layers. */
export type SecurityVariables = {
  requestId: string;
  /** The verified caller when auth is required (undefined when off). */
  principal: Principal | undefined;
  /** For tRPC: the 401 or 429 its context must raise (REST throws it at once). */
  refusal: DomainError | undefined;
  rateVerdict: RateVerdict | undefined;
};
type SecurityEnv = { Variables: SecurityVariables };

const isTrpcPath = (path: string) => path === "/trpc" || path.startsWith("/trpc/");

/** True when every procedure a tRPC path names (`/trpc/a.b,c.d` in a batch) exists. */
function namesKnownProcedures(path: string): boolean {
  const names = path.slice("/trpc/".length).split(",");
  return names.every((name) => procedureNames.has(name));
}

/**
 * Authentication and rate limit, in that order (roles are each operation's). Every call of a
 * tRPC batch counts against the rate limit, all or none, and a batch over the size limit is
 * refused whole: in both cases before any call runs.
 */
export function guard(options: GuardOptions): MiddlewareHandler<SecurityEnv> {
  const authenticate = createAuthenticator(options.db, options.auth?.mode, options.auth?.keyCacheTtlMs);
  const perMinute = options.rateLimit?.perMinute ?? 0;
  const limiter =
    perMinute > 0
      ? createRateLimiter(perMinute, options.rateLimit?.store ?? createMemoryRateLimitStore(), options.logger)
      : undefined;
  const maxBatchSize = options.trpcMaxBatchSize ?? TRPC_MAX_BATCH_SIZE;

  return async (c, next) => {
    const path = c.req.path;
    const authentication = await authenticate(c);
    const principal = authentication.principal;
    c.set("principal", principal);

    const calls = isTrpcPath(path) ? trpcCallCount(c.req.url) : 1;
    const oversized = calls > maxBatchSize;
    let refusal: DomainError | undefined;
    if (limiter && isRateLimitedPath(path)) {
      // An oversized batch runs nothing: it costs one request, as any refused request does.
      const client = principal ? `key:${principal.keyId}` : `ip:${clientAddress(c)}`;
      const verdict = await limiter.check(client, oversized ? 1 : calls);
      c.set("rateVerdict", verdict);
      if (verdict && !verdict.allowed) refusal = rateLimited(verdict);
    }
    refusal ??= authentication.refusal;
    if (oversized) {
      // One answer for the whole batch rather than one per call (a URL can name ~1,000).
      const { status, body } = trpcRefusal(refusal ?? batchTooLarge(calls, maxBatchSize), c.get("requestId"));
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    }

    if (isTrpcPath(path) && (!refusal || namesKnownProcedures(path))) {
      // tRPC answers in its own envelope: its context raises the refusal, its procedures check roles.
      // (tRPC answers an unknown procedure 404 before any middleware: refused here instead.)
      c.set("refusal", refusal);
      return next();
    }
    if (refusal) throw refusal;
    // Roles are checked by each route, against its operation's access rule.
    return next();
  };
}
