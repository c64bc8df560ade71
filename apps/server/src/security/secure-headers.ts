import type { MiddlewareHandler } from "hono";

export { secureHeaders } from "hono/secure-headers";

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
    if (!c.res.headers.has("content-security-policy")) {
      c.res.headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
  };
}
