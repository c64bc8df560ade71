import { isOneRosterViewPath, type Principal, RequestProblem, verifyAccessToken } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Context, MiddlewareHandler } from "hono";
import { createKeyVerifier } from "./key-verifier.ts";

export type AuthMode = "off" | "required";

/**
 * Reachable without a key in `required` mode: health for load balancers, the API reference,
 * and the web UI's static shell (HTML and assets, no data: the UI asks for a key on its
 * `/app/api-key` page and every data request it makes goes through `/trpc` with that key).
 */
export function isPublicPath(path: string): boolean {
  return (
    path === "/openapi.json" ||
    path === "/docs" ||
    path.startsWith("/docs/") ||
    path === "/health/live" ||
    path === "/health/ready" ||
    path === "/" ||
    path === "/app" ||
    path.startsWith("/app/") ||
    // OAuth 2 client credentials: the request's own credentials are its authentication.
    path === "/ims/oneroster/oauth/token"
  );
}

const bearerPattern = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Who calls: the verified key's principal, or the 401 due when a key was needed and none is valid. */
export type Authentication = { principal: Principal | undefined; refusal: RequestProblem | undefined };

const nobody: Authentication = { principal: undefined, refusal: undefined };

/** Reads the key from `Authorization: Bearer <key>` (nowhere else) and verifies it. */
export function createAuthenticator(
  db: Database,
  mode: AuthMode | undefined,
  keyCacheTtlMs: number | undefined,
): (c: Context) => Promise<Authentication> {
  const verifier = createKeyVerifier(db, keyCacheTtlMs);
  return async (c) => {
    if (mode !== "required" || isPublicPath(c.req.path)) return nobody;
    const token = bearerPattern.exec(c.req.header("authorization") ?? "")?.[1];
    let principal = token ? await verifier.verify(token) : undefined;
    // The OneRoster view also takes the access tokens of its OAuth endpoint (never cached:
    // revoking the key ends them at once).
    if (!principal && token && isOneRosterViewPath(c.req.path)) {
      principal = await verifyAccessToken(db, token);
    }
    if (principal) return { principal, refusal: undefined };
    const refusal = new RequestProblem(
      "unauthorized",
      token !== undefined
        ? "The API key is not valid or has been revoked."
        : "Send an API key as `Authorization: Bearer <key>`.",
    );
    return { principal: undefined, refusal };
  };
}

/**
 * WWW-Authenticate on every 401, errors included: this runs outside the layer that throws,
 * and on tRPC's answers as well as REST's.
 */
export function authenticationChallenge(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // An answer that names its own scheme keeps it (the OAuth token endpoint's Basic).
    if (c.res.status === 401 && !c.res.headers.has("WWW-Authenticate")) {
      c.res.headers.set("WWW-Authenticate", 'Bearer realm="registrar"');
    }
  };
}
