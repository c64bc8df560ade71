import { createHash } from "node:crypto";
import { RequestProblem, ValidationFailed } from "@registrar/core";
import { type Database, IdempotencyKey } from "@registrar/db";
import type { Context } from "hono";

/** An answer as the REST adapter sends it, and as a kept answer replays it. */
export type KeptAnswer = {
  status: number;
  location: string | null;
  etag: string | null;
  contentType: string | null;
  /** the body as sent; null for an answer without one (204) */
  body: string | null;
};

export type IdempotencyOptions = {
  /** How long a kept answer replays (contract: 24 h). */
  ttlHours: number;
  /** A sweep of expired answers after every this many kept ones (default 100). */
  sweepEvery?: number;
  /** Expired rows deleted per sweep statement (default 500): small, so a sweep never holds locks for long. */
  sweepBatch?: number;
};

/** What the REST adapter needs of a request's `Idempotency-Key`. */
export type IdempotentRequest = { scope: string; key: string; fingerprint: string };

/** 1..255 visible ASCII characters (draft-ietf-httpapi-idempotency-key-header, contract v1.1). */
const keyPattern = /^[\x21-\x7e]{1,255}$/;
const keyedMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The request's `Idempotency-Key`, checked, with its scope and fingerprint; undefined when
 * the request has none or is a read (a key on a read changes nothing).
 */
export async function idempotentRequest(
  c: Context,
  keyId: number | undefined,
  /** a body that is not text (a zip), fingerprinted as its bytes */
  rawBody?: Uint8Array,
): Promise<IdempotentRequest | undefined> {
  if (!keyedMethods.has(c.req.method)) return undefined;
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!keyPattern.test(key)) {
    throw new ValidationFailed([
      { path: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" },
    ]);
  }
  const url = new URL(c.req.url);
  // The body as received: Hono keeps the text, so the JSON parse that follows reads it again for free.
  const body = rawBody ?? (await c.req.text());
  const fingerprint = createHash("sha256")
    .update(`${c.req.method} ${url.pathname}${url.search}\n`)
    .update(body)
    .digest("hex");
  return { scope: keyId === undefined ? "anonymous" : `k${keyId}`, key, fingerprint };
}

/** A kept answer as a response, marked as a replay. */
export function replayed(answer: KeptAnswer): Response {
  const headers = new Headers({ "idempotent-replayed": "true" });
  if (answer.contentType) headers.set("content-type", answer.contentType);
  if (answer.location) headers.set("location", answer.location);
  if (answer.etag) headers.set("etag", answer.etag);
  return new Response(answer.body, { status: answer.status, headers });
}

/**
 * Keeps answers of requests sent with an `Idempotency-Key`, in the database: which of two
 * concurrent requests with one key runs is decided by a transaction-scoped advisory lock,
 * so it holds across replicas and restarts, and the kept answer is written in the
 * transaction of the change it answers.
 */
export function idempotencyKeeper(options: IdempotencyOptions) {
  const sweepEvery = options.sweepEvery ?? 100;
  const sweepBatch = options.sweepBatch ?? 500;
  const ttlSeconds = options.ttlHours * 3600;
  let keptSinceSweep = 0;

  /** Deletes expired answers, a small indexed batch at a time, until none is left. */
  async function sweep(db: Database): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await IdempotencyKey.deleteExpired(db, ttlSeconds, sweepBatch);
      deleted += count;
      if (count < sweepBatch) return deleted;
    }
  }

  return {
    sweep,
    /**
     * Runs `execute` once per key: in a transaction that first takes the key's advisory
     * lock (another request holding it: 409 `idempotency_in_progress`), then replays a
     * kept answer of the same request (another request: 422 `idempotency_key_reused`),
     * else runs `execute` with the transaction and keeps its answer before committing.
     * `execute` answers 4xx problems as answers (kept) and throws what is 5xx (not kept).
     */
    async run(
      db: Database,
      request: IdempotentRequest,
      execute: (trx: Database) => Promise<KeptAnswer>,
    ): Promise<Response> {
      const outcome = await db.transaction(async (trx) => {
        if (!(await IdempotencyKey.tryLock(trx, request.scope, request.key))) {
          throw new RequestProblem(
            "idempotency_in_progress",
            "A request with this Idempotency-Key is still running; retry after it finishes.",
            { retryAfter: 1 },
          );
        }
        const kept = await IdempotencyKey.findLive(trx, request.scope, request.key, ttlSeconds);
        if (kept) {
          if (kept.fingerprint !== request.fingerprint) {
            throw new RequestProblem(
              "idempotency_key_reused",
              "This Idempotency-Key was used for another request (method, path or body); use a new key.",
            );
          }
          return { replay: true as const, answer: kept };
        }
        const answer = await execute(trx);
        // An expired answer with this key may still be there, unswept: this one takes its place.
        await IdempotencyKey.query(trx)
          .insert({ ...request, ...answer, createdAt: trx.fn.now() })
          .onConflict(["scope", "key"])
          .merge();
        return { replay: false as const, answer };
      });
      if (outcome.replay) return replayed(outcome.answer);
      keptSinceSweep += 1;
      if (keptSinceSweep >= sweepEvery) {
        keptSinceSweep = 0;
        // The answer is committed: a failed sweep is retried by the next one, never the client's fault.
        await sweep(db).catch(() => undefined);
      }
      return answerOf(outcome.answer);
    },
  };
}

export type IdempotencyKeeper = ReturnType<typeof idempotencyKeeper>;

/** An answer as a response, as first sent. */
export function answerOf(answer: KeptAnswer): Response {
  const headers = new Headers();
  if (answer.contentType) headers.set("content-type", answer.contentType);
  if (answer.location) headers.set("location", answer.location);
  if (answer.etag) headers.set("etag", answer.etag);
  return new Response(answer.body, { status: answer.status, headers });
}
