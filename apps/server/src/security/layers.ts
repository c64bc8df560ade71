import type { MiddlewareHandler } from "hono";
import { authenticationChallenge } from "./authentication.ts";
import { corsFor } from "./cors.ts";
import { type GuardOptions, guard } from "./guard.ts";
import { rateLimitHeaders } from "./rate-limit.ts";
import { defaultContentSecurityPolicy, secureHeaders } from "./secure-headers.ts";

export type SecurityOptions = GuardOptions & {
  /** Browser origins allowed to call the API; empty or absent: no CORS headers at all. */
  corsOrigins?: string[] | undefined;
};

/**
 * The security layers in the order they must run, after the request id and the access log:
 * secure headers, CORS (answers preflights before auth, which browsers send without
 * credentials), the headers that depend on the answer (set after the guard, so on its
 * refusals too), then the guard. Each layer types the variables it reads; the app's own
 * environment (`AppEnv`) holds them all.
 */
export function securityMiddleware(options: SecurityOptions): MiddlewareHandler[] {
  const cors = corsFor(options.corsOrigins);
  return [
    secureHeaders(),
    ...(cors ? [cors] : []),
    defaultContentSecurityPolicy(),
    rateLimitHeaders(),
    authenticationChallenge(),
    guard(options),
  ];
}
