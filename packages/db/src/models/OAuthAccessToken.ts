import { RegistrarModel } from "./RegistrarModel.ts";

/**
 * An OAuth 2 access token of the OneRoster view, tied to the API key whose client
 * credentials obtained it (migration 20261203000300). Only the token's SHA-256 is stored.
 */
export class OAuthAccessToken extends RegistrarModel {
  static override tableName = "oauth_access_tokens";
  static override idColumn = "token_hash";

  /** hex SHA-256 of the token */
  tokenHash!: string;
  apiKeyId!: number;
  scope!: string;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  expiresAt!: string;
}
