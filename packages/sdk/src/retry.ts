/**
 * Retries of REST calls that never got an answer or got a 503, with exponential backoff
 * and full jitter. A write is retried only with an `Idempotency-Key` (contract v1.1), so a
 * retry of a write that did run answers its kept result instead of running it again.
 */
export type RetryPolicy = {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** The first backoff's upper bound in ms, doubled per attempt (default 200). */
  baseDelayMs?: number;
  /** No wait is longer than this, `Retry-After` included (default 5000). */
  maxDelayMs?: number;
  /**
   * Also retry POST and PATCH sent without a key, giving them one (default false). PUT and
   * DELETE are retried and given a key when they have none; a call with a key of its own
   * is retried with that key.
   */
  unkeyedWrites?: boolean;
  /** For tests: what a wait is. */
  sleep?: (ms: number) => Promise<void>;
  /** For tests: a number in [0, 1). */
  random?: () => number;
};

const reads = new Set(["GET", "HEAD", "OPTIONS"]);
const idempotentWrites = new Set(["PUT", "DELETE"]);

function newKey(): string {
  return globalThis.crypto.randomUUID();
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (!header || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/** Whether a not-ok answer is worth another attempt: 503, or the key's first request still running. */
async function retryable(response: Response, keyed: boolean): Promise<boolean> {
  if (response.status === 503) return true;
  if (response.status !== 409 || !keyed) return false;
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return body.code === "idempotency_in_progress";
  } catch {
    return false;
  }
}

/** `fetch` with the policy's retries; what openapi-fetch is given. */
export function retryingFetch(base: typeof fetch, policy: RetryPolicy): typeof fetch {
  const attempts = Math.max(1, policy.attempts ?? 3);
  const baseDelayMs = policy.baseDelayMs ?? 200;
  const maxDelayMs = policy.maxDelayMs ?? 5000;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = policy.random ?? Math.random;

  return async (input, init) => {
    const original = new Request(input, init);
    const method = original.method.toUpperCase();
    const hasKey = original.headers.has("idempotency-key");
    const retried =
      reads.has(method) || hasKey || idempotentWrites.has(method) || policy.unkeyedWrites === true;
    if (!retried || attempts === 1) return base(original);
    // One key for every attempt, given before the first: a retry must name the request that may have run.
    if (!reads.has(method) && !hasKey) original.headers.set("idempotency-key", newKey());
    const keyed = original.headers.has("idempotency-key");

    for (let attempt = 1; ; attempt++) {
      const last = attempt === attempts;
      let response: Response;
      try {
        response = await base(last ? original : original.clone());
      } catch (error) {
        if (last) throw error;
        await sleep(backoff(attempt, undefined));
        continue;
      }
      if (last || response.ok || !(await retryable(response, keyed))) return response;
      await response.body?.cancel();
      await sleep(backoff(attempt, retryAfterMs(response)));
    }
  };

  /** Full jitter (a random wait up to the exponential bound), never less than Retry-After. */
  function backoff(attempt: number, retryAfter: number | undefined): number {
    const bound = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(random() * bound);
    return Math.min(maxDelayMs, Math.max(jittered, retryAfter ?? 0));
  }
}
