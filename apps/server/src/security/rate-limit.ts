import { Redis } from "ioredis";
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
 * Counts hits per client in fixed one-minute windows. Fixed windows are one counter per
 * client (one INCR on Redis) and never let a client exceed twice the budget across a
 * window edge; that trade is fine for abuse protection.
 */
export type RateLimitStore = {
  /** Counts one hit for `client` and returns the window's count and milliseconds left. */
  hit(client: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  close(): Promise<void>;
};

export const RATE_WINDOW_MS = 60_000;

/** One process's counters: fine for a single replica, and the default. */
export function createMemoryRateLimitStore(): RateLimitStore {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return {
    async hit(client, windowMs) {
      const now = Date.now();
      // Every client shares the same aligned window, so one swap forgets them all at once.
      if (now - windowStart >= windowMs) {
        windowStart = now - (now % windowMs);
        counts = new Map();
      }
      const count = (counts.get(client) ?? 0) + 1;
      counts.set(client, count);
      return { count, resetMs: windowStart + windowMs - now };
    },
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
 * fail fast instead of queueing while Redis is away, so a Redis outage costs a failed
 * check (the request is let through, see the guard), never a hung request.
 */
export function createRedisRateLimitStore(
  url: string,
  options: { keyPrefix?: string; logger?: Logger | undefined } = {},
): RateLimitStore {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
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
        logger?.warn(
          { err: { message: (error as Error).message } },
          "rate limit check failed; request let through",
        );
        return undefined;
      }
    },
  };
}
