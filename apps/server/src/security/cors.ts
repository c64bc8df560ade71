import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * CORS for the browser origins in `CORS_ORIGINS` (exact matches); undefined for an empty list,
 * so that no answer carries any CORS header at all.
 */
export function corsFor(origins: readonly string[] | undefined): MiddlewareHandler | undefined {
  const allowedOrigins = new Set(origins ?? []);
  if (allowedOrigins.size === 0) return undefined;
  return cors({
    origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: [
      "Location",
      "Retry-After",
      "X-Request-Id",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "RateLimit-Policy",
    ],
    maxAge: 600,
  });
}
