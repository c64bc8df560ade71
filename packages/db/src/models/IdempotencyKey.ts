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
}
