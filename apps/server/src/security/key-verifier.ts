import { type Principal, parseApiKeyToken, verifyApiKey } from "@registrar/core";
import type { Database } from "@registrar/db";

/**
 * How long a verified key is trusted without asking the database again. The hot path then
 * costs a SHA-256 and a map lookup; the price is that a revoked key keeps working on a
 * replica for at most this long.
 */
export const KEY_CACHE_TTL_MS = 10_000;
const MAX_CACHED_KEYS = 10_000;

/** Verifies bearer tokens, caching only successes (failures always ask the database). */
export function createKeyVerifier(db: Database, ttlMs = KEY_CACHE_TTL_MS) {
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  return {
    async verify(token: string): Promise<Principal | undefined> {
      const claimed = parseApiKeyToken(token);
      if (!claimed) return undefined;
      // Keyed by the secret's hash, so the cache never holds a usable token.
      const cacheKey = `${claimed.keyId}:${claimed.secretHash}`;
      const now = Date.now();
      const cached = cache.get(cacheKey);
      if (cached && cached.expiresAt > now) return cached.principal;
      const principal = await verifyApiKey(db, claimed);
      if (!principal) {
        cache.delete(cacheKey);
        return undefined;
      }
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      cache.set(cacheKey, { principal, expiresAt: now + ttlMs });
      return principal;
    },
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;
