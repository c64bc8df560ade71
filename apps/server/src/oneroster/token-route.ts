import { issueAccessToken, OAuthError } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { SecurityVariables } from "../security/index.ts";

export const TOKEN_PATH = "/ims/oneroster/oauth/token";

const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** RFC 6749 §2.3.1: `Authorization: Basic base64(urlencoded id ":" urlencoded secret)`. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
    };
  } catch {
    return undefined;
  }
}

function oauthErrorResponse(error: OAuthError): Response {
  const headers: Record<string, string> = { "content-type": "application/json", ...noStore };
  // RFC 6749 §5.2: a 401 names the scheme the client should authenticate with.
  if (error.status === 401) headers["WWW-Authenticate"] = 'Basic realm="registrar"';
  return new Response(JSON.stringify({ error: error.error, error_description: error.message }), {
    status: error.status,
    headers,
  });
}

/**
 * `POST /ims/oneroster/oauth/token`: OAuth 2 client credentials for the OneRoster view
 * (client id `rk_<id>`, secret the API key's secret), in the form body or as HTTP Basic.
 * Open without a key (the credentials are the authentication); the token is never logged.
 */
export function tokenHandler(db: Database, logger?: Logger) {
  return async (c: Context<{ Variables: SecurityVariables }>): Promise<Response> => {
    const basic = basicCredentials(c.req.header("authorization"));
    try {
      const contentType = c.req.header("content-type") ?? "";
      if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
        throw new OAuthError(
          "invalid_request",
          "Send the token request as application/x-www-form-urlencoded.",
        );
      }
      const form = new URLSearchParams(await c.req.text());
      for (const name of ["grant_type", "client_id", "client_secret", "scope"]) {
        if (form.getAll(name).length > 1)
          throw new OAuthError("invalid_request", `${name} is given more than once.`);
      }
      const formId = form.get("client_id") ?? undefined;
      const formSecret = form.get("client_secret") ?? undefined;
      if (basic && (formId !== undefined || formSecret !== undefined)) {
        throw new OAuthError(
          "invalid_request",
          "Send the client credentials one way: HTTP Basic or the form body.",
        );
      }
      const issued = await issueAccessToken(db, {
        grantType: form.get("grant_type") ?? undefined,
        clientId: basic?.id ?? formId,
        clientSecret: basic?.secret ?? formSecret,
        scope: form.get("scope") ?? undefined,
      });
      return new Response(
        JSON.stringify({
          access_token: issued.accessToken,
          token_type: issued.tokenType,
          expires_in: issued.expiresIn,
          scope: issued.scope,
        }),
        { status: 200, headers: { "content-type": "application/json", ...noStore } },
      );
    } catch (error) {
      if (error instanceof OAuthError) return oauthErrorResponse(error);
      logger?.error({ err: error, requestId: c.get("requestId") }, "OAuth token request failed");
      throw error;
    }
  };
}
