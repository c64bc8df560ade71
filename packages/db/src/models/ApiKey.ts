import { RegistrarModel } from "./RegistrarModel.ts";

/** An API key. Only the SHA-256 of its secret is stored (migration 20261127000400). */
export class ApiKey extends RegistrarModel {
  static override tableName = "api_keys";

  id!: number;
  name!: string | null;
  /** admin, registrar, reader or student (a CHECK in the table) */
  role!: string;
  /** set exactly for a student key */
  studentId!: number | null;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  revokedAt!: string | null;
  lastUsedAt!: string | null;
  /** hex SHA-256 of the key's secret: never selected for a listing */
  secretHash!: string;
}
