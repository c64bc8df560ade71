import type { IncomingMessage } from "node:http";
import { procedureNames, trpcRefusal } from "@registrar/api";
import { TRPC_MAX_BATCH_SIZE } from "@registrar/contract";
import { type DomainError, type Principal, RequestProblem } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "pino";
import { earlyEnd } from "../http/client-abort.ts";
import { createKeyVerifier } from "./key-verifier.ts";
import {
  createMemoryRateLimitStore,
  createRateLimiter,
  type RateLimitStore,
  type RateVerdict,
} from "./rate-limit.ts";
import { batchTooLarge, trpcCallCount } from "./trpc-batch.ts";

export type AuthMode = "off" | "required";

export type SecurityOptions = {
  db: Database;
  logger?: Logger | undefined;
  /** `required`: every route but health, `/docs` and `/openapi.json` needs a key. Default off. */
  auth?: { mode: AuthMode; keyCacheTtlMs?: number | undefined } | undefined;
  /** Requests per minute per key (or per IP without one); absent or 0: no limit. */
  rateLimit?: { perMinute: number; store?: RateLimitStore | undefined } | undefined;
  /** Browser origins allowed to call the API; empty or absent: no CORS headers at all. */
  corsOrigins?: string[] | undefined;
  /** The most calls one tRPC batch may carry; default `TRPC_MAX_BATCH_SIZE` of @registrar/contract. */
  trpcMaxBatchSize?: number | undefined;
};

/** What the security middleware leaves on the request for later layers. */
export type SecurityVariables = {
  requestId: string;
  /** The verified caller when auth is required (undefined when off). */
  principal: Principal | undefined;
  /** For tRPC: the 401 or 429 its context must raise (REST throws it at once). */
  refusal: DomainError | undefined;
  rateVerdict: RateVerdict | undefined;
};
type SecurityEnv = { Variables: SecurityVariables };

/**
 * Reachable without a key in `required` mode: health for load balancers, the API reference,
 * and the web UI's static shell (HTML and assets, no data: the UI asks for a key on its
 * `/app/api-key` page and every data request it makes goes through `/trpc` with that key).
 */
export function isPublicPath(path: string): boolean {
  return (
    path === "/openapi.json" ||
    path === "/docs" ||
    path.startsWith("/docs/") ||
    path === "/health/live" ||
    path === "/health/ready" ||
    path === "/" ||
    path === "/app" ||
    path.startsWith("/app/")
  );
}

/** Counted against the rate limit: everything but health, which load balancers poll. */
export function isRateLimitedPath(path: string): boolean {
  return !path.startsWith("/health/");
}

const isTrpcPath = (path: string) => path === "/trpc" || path.startsWith("/trpc/");

/** True when every procedure a tRPC path names (`/trpc/a.b,c.d` in a batch) exists. */
function namesKnownProcedures(path: string): boolean {
  const names = path.slice("/trpc/".length).split(",");
  return names.every((name) => procedureNames.has(name));
}

const bearerPattern = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The socket's address; behind a proxy that is the proxy (no X-Forwarded-For is trusted). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? "unknown";
}

/**
 * One access-log line per request, stamped with its request id (as is every other line
 * logged about a request: see app.onError and tRPC's onError). One call, no child logger:
 * this runs on every request. A request whose connection ended before its answer is logged
 * with status 499 and `clientAborted: true` (the client hung up) or 408 and `timedOut: true`
 * (it did not arrive in time), plus `appStatus` when the app had answered something else
 * (a 201 whose client left before reading it still wrote its row).
 */
function accessLog(logger: Logger): MiddlewareHandler<SecurityEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    const ended = earlyEnd(c);
    // Path only: query strings are not logged, and headers (tokens) never are.
    logger.info(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: ended ? ended.status : c.res.status,
        ...(ended && {
          [ended.reason === "timed_out" ? "timedOut" : "clientAborted"]: true,
          ...(c.res.status !== ended.status && { appStatus: c.res.status }),
        }),
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
        keyId: c.get("principal")?.keyId,
      },
      "request",
    );
  };
}

/**
 * Headers every answer carries, errors included (this runs outside the layer that throws):
 * RateLimit-* per draft-ietf-httpapi-ratelimit-headers, Retry-After on 429,
 * WWW-Authenticate on 401, and a deny-all CSP on any answer without one (HTML pages set their
 * own).
 */
function responseHeaders(): MiddlewareHandler<SecurityEnv> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    const verdict = c.get("rateVerdict");
    if (verdict) {
      headers.set("RateLimit-Limit", String(verdict.limit));
      headers.set("RateLimit-Remaining", String(verdict.remaining));
      headers.set("RateLimit-Reset", String(verdict.resetSeconds));
      headers.set("RateLimit-Policy", `${verdict.limit};w=60`);
      if (c.res.status === 429) headers.set("Retry-After", String(verdict.resetSeconds));
    }
    if (c.res.status === 401) headers.set("WWW-Authenticate", 'Bearer realm="registrar"');
    // Fail closed: an answer that did not choose a policy (JSON, problems, static files, a
    // page that forgot) may load nothing.
    if (!headers.has("content-security-policy")) {
      headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
  };
}

/** The 429 for a request (or a tRPC batch of `units` calls) that does not fit the budget left. */
function rateLimited(verdict: RateVerdict): RequestProblem {
  const retry = `retry in ${verdict.resetSeconds} s`;
  let detail = `Over the limit of ${verdict.limit} requests a minute; ${retry}.`;
  if (verdict.units > verdict.limit) {
    detail = `A batch of ${verdict.units} calls is more than the limit of ${verdict.limit} requests a minute; send smaller batches.`;
  } else if (verdict.units > 1) {
    detail = `This batch of ${verdict.units} calls is more than the ${verdict.remaining} left of ${verdict.limit} requests a minute; nothing ran; ${retry}.`;
  }
  return new RequestProblem("rate_limited", detail, { retryAfter: verdict.resetSeconds });
}

/**
 * Authentication and rate limit, in that order (roles are each operation's). Every call of a
 * tRPC batch counts against the rate limit, all or none, and a batch over the size limit is
 * refused whole: in both cases before any call runs.
 */
function guard(options: SecurityOptions): MiddlewareHandler<SecurityEnv> {
  const authRequired = options.auth?.mode === "required";
  const verifier = createKeyVerifier(options.db, options.auth?.keyCacheTtlMs);
  const perMinute = options.rateLimit?.perMinute ?? 0;
  const limiter =
    perMinute > 0
      ? createRateLimiter(perMinute, options.rateLimit?.store ?? createMemoryRateLimitStore(), options.logger)
      : undefined;
  const maxBatchSize = options.trpcMaxBatchSize ?? TRPC_MAX_BATCH_SIZE;

  return async (c, next) => {
    const path = c.req.path;
    const needsKey = authRequired && !isPublicPath(path);
    let principal: Principal | undefined;
    let presentedToken = false;
    if (needsKey) {
      const token = bearerPattern.exec(c.req.header("authorization") ?? "")?.[1];
      presentedToken = token !== undefined;
      principal = token ? await verifier.verify(token) : undefined;
      c.set("principal", principal);
    }

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
    if (!refusal && needsKey && !principal) {
      refusal = new RequestProblem(
        "unauthorized",
        presentedToken
          ? "The API key is not valid or has been revoked."
          : "Send an API key as `Authorization: Bearer <key>`.",
      );
    }
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

/**
 * The security layers in the order they must run, after the request id is set:
 * access log, secure headers, CORS (answers preflights before auth, which browsers
 * send without credentials), response headers, then the guard.
 */
export function securityMiddleware(options: SecurityOptions): MiddlewareHandler<SecurityEnv>[] {
  const layers: MiddlewareHandler<SecurityEnv>[] = [];
  if (options.logger) layers.push(accessLog(options.logger));
  layers.push(secureHeaders());
  const allowedOrigins = new Set(options.corsOrigins ?? []);
  if (allowedOrigins.size > 0) {
    layers.push(
      cors({
        origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
        allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
        exposeHeaders: [
          "Location",
          "Retry-After",
          "X-Request-Id",
          "RateLimit-Limit",
          "RateLimit-Remaining",
          "RateLimit-Reset",
          "RateLimit-Policy",
        ],
        maxAge: 600,
      }),
    );
  }
  layers.push(responseHeaders(), guard(options));
  return layers;
}
