import { RequestProblem } from "@registrar/core";
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { hasAnswerHeaders, rateLimitHeaderValues } from "./answer-headers.ts";

/** The answer to one request's take from its budget. */
export type RateVerdict = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
  /** Units the request asked for: 1, or the number of calls in a tRPC batch. */
  units: number;
};

/**
 * Counts units per client in fixed one-minute windows that start at the client's first
 * take. A fixed window is one counter per client (one script call on Redis); a client can
 * at most double its budget across a window edge, a fair trade for abuse protection.
 */
export type RateLimitStore = {
  /**
   * Takes `units` from `client`'s budget of `limit` for the window, all or none, atomically
   * (two replicas taking at once never both get the last units). `count` is the window's
   * count afterwards: unchanged when the units did not fit.
   */
  take(
    client: string,
    units: number,
    limit: number,
    windowMs: number,
  ): Promise<{ taken: boolean; count: number; resetMs: number }>;
  /** Resolves once takes can be counted (Redis connected); rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export const RATE_WINDOW_MS = 60_000;

/**
 * One process's counters: fine for a single replica, and the default. Each client's window
 * starts at its first take (as on Redis); expired entries are swept once per window.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let nextSweep = 0;
  return {
    async take(client, units, limit, windowMs) {
      const now = Date.now();
      if (now >= nextSweep) {
        for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
        nextSweep = now + windowMs;
      }
      let window = windows.get(client);
      if (!window || window.resetAt <= now) {
        window = { count: 0, resetAt: now + windowMs };
        windows.set(client, window);
      }
      const taken = window.count + units <= limit;
      if (taken) window.count += units;
      return { taken, count: window.count, resetMs: window.resetAt - now };
    },
    async ready() {},
    async close() {},
  };
}

/**
 * Takes ARGV[2] units if the count stays within ARGV[3], all or none, and starts the
 * window's expiry (ARGV[1] ms) with it; one script, so atomic across replicas.
 * Returns {taken (0 or 1), count, ms left}.
 */
const takeScript = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local units = tonumber(ARGV[2])
local taken = 0
if count + units <= tonumber(ARGV[3]) then
  count = redis.call('INCRBY', KEYS[1], units)
  taken = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if ttl < 0 then ttl = tonumber(ARGV[1]) end
return {taken, count, ttl}
`;

type RedisWithTake = Redis & {
  rateLimitTake(
    key: string,
    windowMs: number,
    units: number,
    limit: number,
  ): Promise<[number, number, number]>;
};

/**
 * Counters in Redis, shared by every replica pointing at the same `REDIS_URL`. Commands
 * fail fast instead of queueing while Redis is away, so a Redis outage (or the moment
 * before the first connection) costs an uncounted request, never a slow or failed one.
 */
export async function createRedisRateLimitStore(
  url: string,
  options: { keyPrefix?: string; logger?: Logger | undefined } = {},
): Promise<RateLimitStore> {
  // Loaded only when Redis is configured: importing ioredis is ~60 ms of a cold start.
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    // Not connected (yet, or any more): fail the check at once instead of queueing it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  }) as RedisWithTake;
  redis.defineCommand("rateLimitTake", { numberOfKeys: 1, lua: takeScript });
  let lastErrorLog = 0;
  redis.on("error", (error: Error) => {
    // ioredis reports every reconnect attempt; one line per 30 s is enough.
    if (Date.now() - lastErrorLog < 30_000) return;
    lastErrorLog = Date.now();
    options.logger?.warn({ err: { message: error.message } }, "redis for rate limits is unavailable");
  });
  const prefix = options.keyPrefix ?? "registrar:ratelimit:";
  return {
    async take(client, units, limit, windowMs) {
      const [taken, count, resetMs] = await redis.rateLimitTake(`${prefix}${client}`, windowMs, units, limit);
      return { taken: taken === 1, count, resetMs };
    },
    async ready(timeoutMs = 5_000) {
      if (redis.status === "ready") return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          redis.off("ready", onReady);
          reject(new Error(`redis not ready after ${timeoutMs} ms`));
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        redis.once("ready", onReady);
      });
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * A per-minute budget over a store; `check` takes `units` (a tRPC batch's calls) all or
 * none, and never throws.
 */
export function createRateLimiter(
  perMinute: number,
  store: RateLimitStore,
  logger?: Logger,
): { check(client: string, units?: number): Promise<RateVerdict | undefined> } {
  let lastFailureLog = 0;
  return {
    async check(client, units = 1) {
      try {
        const { taken, count, resetMs } = await store.take(client, units, perMinute, RATE_WINDOW_MS);
        return {
          allowed: taken,
          limit: perMinute,
          remaining: Math.max(0, perMinute - count),
          resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
          units,
        };
      } catch (error) {
        // Failing open: an unavailable limiter must not take the API down with it.
        if (Date.now() - lastFailureLog > 30_000) {
          lastFailureLog = Date.now();
          logger?.warn(
            { err: { message: (error as Error).message } },
            "rate limit checks are failing; requests are let through uncounted",
          );
        }
        return undefined;
      }
    },
  };
}

/** Counted against the rate limit: everything but health, which load balancers poll. */
export function isRateLimitedPath(path: string): boolean {
  return !path.startsWith("/health/");
}

/** The 429 for a request (or a tRPC batch of `units` calls) that does not fit the budget left. */
export function rateLimited(verdict: RateVerdict): RequestProblem {
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
 * RateLimit-* (draft-ietf-httpapi-ratelimit-headers) on every answer the limit counted,
 * errors included (this runs outside the layer that throws), and Retry-After on its 429. A
 * route's answer has them already (answer-headers.ts).
 */
export function rateLimitHeaders(): MiddlewareHandler<{
  Variables: { rateVerdict: RateVerdict | undefined };
}> {
  return async (c, next) => {
    await next();
    const verdict = c.get("rateVerdict");
    if (!verdict || hasAnswerHeaders(c.res)) return;
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(rateLimitHeaderValues(verdict))) headers.set(name, value);
    if (c.res.status === 429) headers.set("Retry-After", String(verdict.resetSeconds));
  };
}
