import type { Knex } from "knex";
import { RegistrarModel } from "./RegistrarModel.ts";

/** The answer kept for a request sent with an `Idempotency-Key` (migration 20261202000100). */
export class IdempotencyKey extends RegistrarModel {
  static override tableName = "idempotency_keys";
  static override idColumn = ["scope", "key"];

  /** `k<api key id>`, or `anonymous` for callers without a key */
  scope!: string;
  key!: string;
  /** hex SHA-256 of method, path with query, and body */
  fingerprint!: string;
  status!: number;
  location!: string | null;
  etag!: string | null;
  contentType!: string | null;
  /** the answer's body as sent; null for a 204 */
  body!: string | null;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;

  /**
   * Takes the transaction-scoped advisory lock of one key, without waiting: false when
   * another transaction holds it. Raw SQL: knex has no builder for advisory locks. An
   * advisory lock rather than a row lock because the row does not exist until the first
   * request commits; the lock holds across replicas and ends with the transaction.
   */
  static async tryLock(trx: Knex, scope: string, key: string): Promise<boolean> {
    const { rows } = await trx.raw<{ rows: Array<{ locked: boolean }> }>(
      "select pg_try_advisory_xact_lock(hashtextextended(?, 0)) as locked",
      [`idempotency:${scope}:${key}`],
    );
    return rows[0]?.locked === true;
  }

  /** The answer kept for `scope`/`key` if it is younger than `ttlSeconds`, else undefined. */
  static findLive(trx: Knex, scope: string, key: string, ttlSeconds: number) {
    return IdempotencyKey.query(trx)
      .findById([scope, key])
      .where("created_at", ">=", trx.raw("now() - make_interval(secs => ?)", [ttlSeconds]));
  }

  /**
   * Deletes up to `batch` answers older than `ttlSeconds`, oldest first (the created_at
   * index: each batch is a short range scan, never the whole table); resolves to how many.
   */
  static async deleteExpired(db: Knex, ttlSeconds: number, batch: number): Promise<number> {
    const expired = IdempotencyKey.query(db)
      .select("scope", "key")
      .where("created_at", "<", db.raw("now() - make_interval(secs => ?)", [ttlSeconds]))
      .orderBy("created_at")
      .limit(batch);
    return IdempotencyKey.query(db).delete().whereIn(["scope", "key"], expired);
  }
}
