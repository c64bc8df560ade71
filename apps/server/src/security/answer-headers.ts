import type { Context } from "hono";
import type { RateVerdict } from "./rate-limit.ts";

/**
 * hono's `secureHeaders()` with its defaults, as it sets them (answer-headers.test.ts
 * compares the two, so an upgrade of hono that changes them fails there).
 */
export const SECURE_HEADERS: Readonly<Record<string, string>> = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=15552000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

/** The Content-Security-Policy of an answer without one of its own: deny all (fail closed). */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** RateLimit-* (draft-ietf-httpapi-ratelimit-headers) of an answer the limit counted. */
export function rateLimitHeaderValues(verdict: RateVerdict): Record<string, string> {
  return {
    "ratelimit-limit": String(verdict.limit),
    "ratelimit-remaining": String(verdict.remaining),
    "ratelimit-reset": String(verdict.resetSeconds),
    "ratelimit-policy": `${verdict.limit};w=60`,
  };
}

type AnswerEnv = { Variables: { requestId?: string; rateVerdict?: RateVerdict | undefined } };

const complete = new WeakSet<Response>();

/**
 * A route's answer made with every header the layers around it would set after it (the
 * secure headers, the default Content-Security-Policy, the rate limit's, X-Request-Id),
 * with the same precedence: the route's own Content-Security-Policy wins, the rest win over
 * the route's. Those layers leave such an answer alone ({@link hasAnswerHeaders}); every
 * other answer (problems, tRPC, pages) still gets them from the layers.
 *
 * Why: @hono/node-server writes a Response made with a plain header object straight to the
 * socket, but the first read of `response.headers` turns it into a WHATWG Headers object,
 * whose every `set` is validated and kept sorted, and which is turned back into an object to
 * be written. With five layers setting headers after `next()`, the read of a student's
 * courses cost 332 µs of the server's CPU per request, made this way 296 µs (A/B of two
 * servers, the commit before and this one, on the bench database, 16 connections, six
 * alternating rounds; `/health/live` 47 → 36 µs).
 */
export function answerWithHeaders(
  c: Context,
  body: string | null,
  status: number,
  headers: Readonly<Record<string, string>> | undefined,
): Response {
  const env = c as unknown as Context<AnswerEnv>;
  const verdict = env.get("rateVerdict");
  const requestId = env.get("requestId");
  const response = new Response(body, {
    status,
    headers: {
      "content-security-policy": DEFAULT_CONTENT_SECURITY_POLICY,
      ...headers,
      ...SECURE_HEADERS,
      ...(verdict && rateLimitHeaderValues(verdict)),
      ...(requestId !== undefined && { "x-request-id": requestId }),
    },
  });
  complete.add(response);
  return response;
}

/** Whether `response` was made by {@link answerWithHeaders}: the layers have nothing to add. */
export function hasAnswerHeaders(response: Response): boolean {
  return complete.has(response);
}
