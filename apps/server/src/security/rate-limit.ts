import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** The answer to one request's hit on its budget. */
export type RateVerdict = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
};

/**
 * Counts hits per client in fixed one-minute windows that start at the client's first hit.
 * A fixed window is one counter per client (one INCR on Redis); a client can at most
 * double its budget across a window edge, a fair trade for abuse protection.
 */
export type RateLimitStore = {
  /** Counts one hit for `client` and returns the window's count and milliseconds left. */
  hit(client: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** Resolves once hits can be counted (Redis connected); rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export const RATE_WINDOW_MS = 60_000;

/**
 * One process's counters: fine for a single replica, and the default. Each client's window
 * starts at its first hit (as on Redis); expired entries are swept once per window.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let nextSweep = 0;
  return {
    async hit(client, windowMs) {
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
      window.count += 1;
      return { count: window.count, resetMs: window.resetAt - now };
    },
    async ready() {},
    async close() {},
  };
}

/** INCR, and start the window's expiry on its first hit, atomically. */
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

type RedisWithHit = Redis & {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
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
  }) as RedisWithHit;
  redis.defineCommand("rateLimitHit", { numberOfKeys: 1, lua: hitScript });
  let lastErrorLog = 0;
  redis.on("error", (error: Error) => {
    // ioredis reports every reconnect attempt; one line per 30 s is enough.
    if (Date.now() - lastErrorLog < 30_000) return;
    lastErrorLog = Date.now();
    options.logger?.warn({ err: { message: error.message } }, "redis for rate limits is unavailable");
  });
  const prefix = options.keyPrefix ?? "registrar:ratelimit:";
  return {
    async hit(client, windowMs) {
      const [count, resetMs] = await redis.rateLimitHit(`${prefix}${client}`, windowMs);
      return { count, resetMs };
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

/** A per-minute budget over a store; `check` never throws. */
export function createRateLimiter(
  perMinute: number,
  store: RateLimitStore,
  logger?: Logger,
): { check(client: string): Promise<RateVerdict | undefined> } {
  let lastFailureLog = 0;
  return {
    async check(client) {
      try {
        const { count, resetMs } = await store.hit(client, RATE_WINDOW_MS);
        return {
          allowed: count <= perMinute,
          limit: perMinute,
          remaining: Math.max(0, perMinute - count),
          resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
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
