import { createHash, randomBytes } from "node:crypto";
import { ApiKey, type Database, OAuthAccessToken } from "@registrar/db";
import { raw } from "objection";
import { apiKeyRoleSchema, type Principal, parseApiKeyToken, verifyApiKey } from "../api-keys.ts";

/**
 * OAuth 2 client credentials (RFC 6749 §4.4) for the OneRoster view, on top of the API keys:
 * the client id is a key's `rk_<id>`, the secret the key's secret, so an access token can
 * never do more than its key. Tokens are 32 random bytes (`ort_<base64url>`); only their
 * SHA-256 is stored, with the key and the expiry (migration 20261203000300), so any replica
 * verifies them and revoking the key ends them at once.
 */

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
/** The scope granted when none is asked for (1EdTech's rostering OpenAPI, `OAuth2CC`). */
export const ROSTER_READONLY_SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly";
/**
 * The scopes a client may ask for: the view serves the core rostering reads, which both
 * grant (it serves no demographics, so `roster-demographics.readonly` is not offered).
 */
export const ROSTER_SCOPES: readonly string[] = [
  ROSTER_READONLY_SCOPE,
  "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
];
const accessTokenPattern = /^ort_[A-Za-z0-9_-]{43}$/;
const clientIdPattern = /^rk_[1-9][0-9]{0,9}$/;

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** An RFC 6749 §5.2 error: `error`, `error_description`, and its status. */
export class OAuthError extends Error {
  readonly error: "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope";
  readonly status: 400 | 401;

  constructor(error: OAuthError["error"], description: string) {
    super(description);
    this.name = "OAuthError";
    this.error = error;
    this.status = error === "invalid_client" ? 401 : 400;
  }
}

export type TokenRequest = {
  grantType: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
};

export type IssuedToken = { accessToken: string; tokenType: "Bearer"; expiresIn: number; scope: string };

/** Issues an access token for valid client credentials, else throws an {@link OAuthError}. */
export async function issueAccessToken(
  db: Database,
  request: TokenRequest,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): Promise<IssuedToken> {
  if (request.grantType === undefined) throw new OAuthError("invalid_request", "grant_type is required.");
  if (request.grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.");
  }
  if (request.clientId === undefined || request.clientSecret === undefined) {
    throw new OAuthError(
      "invalid_client",
      "Send client_id and client_secret, in the form body or as HTTP Basic authentication.",
    );
  }
  const asked = [...new Set((request.scope ?? "").split(" ").filter(Boolean))];
  if (asked.some((scope) => !ROSTER_SCOPES.includes(scope))) {
    throw new OAuthError("invalid_scope", `The scopes served are ${ROSTER_SCOPES.join(" and ")}.`);
  }
  const scope = asked.length > 0 ? asked.join(" ") : ROSTER_READONLY_SCOPE;
  const claimed = clientIdPattern.test(request.clientId)
    ? parseApiKeyToken(`${request.clientId}_${request.clientSecret}`)
    : undefined;
  const principal = claimed && (await verifyApiKey(db, claimed));
  if (!principal) throw new OAuthError("invalid_client", "The client credentials are not valid.");

  const accessToken = `ort_${randomBytes(32).toString("base64url")}`;
  await db.transaction(async (trx) => {
    // The key's expired tokens go when it asks for a new one: the table holds at most the
    // live tokens plus one expired generation per key that stopped asking.
    await OAuthAccessToken.query(trx)
      .where("api_key_id", principal.keyId)
      .where("expires_at", "<=", raw("now()"))
      .delete();
    await OAuthAccessToken.query(trx).insert({
      tokenHash: sha256Hex(accessToken),
      apiKeyId: principal.keyId,
      scope,
      expiresAt: raw("now() + make_interval(secs => ?)", [ttlSeconds]),
    });
  });
  return { accessToken, tokenType: "Bearer", expiresIn: ttlSeconds, scope };
}

/**
 * The principal of a live access token: its key's, while the key is not revoked and the
 * token not expired; undefined otherwise. One primary-key lookup joined to the key.
 */
export async function verifyAccessToken(db: Database, token: string): Promise<Principal | undefined> {
  if (!accessTokenPattern.test(token)) return undefined;
  const found = await OAuthAccessToken.query(db)
    .join("api_keys", "api_keys.id", "oauth_access_tokens.api_key_id")
    .findById(sha256Hex(token))
    .where("oauth_access_tokens.expires_at", ">", raw("now()"))
    .whereNull("api_keys.revoked_at")
    .select(ApiKey.columnsAs(["id", "role", "studentId"]));
  if (!found) return undefined;
  const key = found as unknown as { id: number; role: string; studentId: number | null };
  return { keyId: key.id, role: apiKeyRoleSchema.parse(key.role), studentId: key.studentId };
}
