import type { MiddlewareHandler } from "hono";
import { secureHeaders as builtInSecureHeaders } from "hono/secure-headers";
import { DEFAULT_CONTENT_SECURITY_POLICY, hasAnswerHeaders } from "./answer-headers.ts";

/**
 * hono's secureHeaders() on every answer that does not have them already (a route's answer
 * is made with them, answer-headers.ts): the built-in, run after the answer, around nothing.
 * Its defaults set nothing before `next()` (no CSP nonces), so this is what it would do.
 */
export function secureHeaders(): MiddlewareHandler {
  const builtIn = builtInSecureHeaders();
  const nothing = async () => {};
  return async (c, next) => {
    await next();
    if (!hasAnswerHeaders(c.res)) await builtIn(c, nothing);
  };
}

/**
 * A deny-all Content-Security-Policy on any answer without one: JSON, problems, static files,
 * a page that forgot (HTML pages set their own). Fail closed.
 *
 * Not secureHeaders' own `contentSecurityPolicy` with `overwrite: false`: that one runs
 * outside CORS, so it would add the header to CORS preflights, which never had it.
 */
export function defaultContentSecurityPolicy(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!hasAnswerHeaders(c.res) && !c.res.headers.has("content-security-policy")) {
      c.res.headers.set("Content-Security-Policy", DEFAULT_CONTENT_SECURITY_POLICY);
    }
  };
}
