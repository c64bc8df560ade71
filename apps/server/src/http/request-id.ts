import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { hasAnswerHeaders } from "../security/answer-headers.ts";

/** An incoming X-Request-Id is kept when it looks like an id; else the request gets a UUID. */
export const requestIdPattern = /^[\w-]{8,64}$/;

/** Names the request (for logs and problems) and echoes the name in X-Request-Id. */
export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    c.set("requestId", incoming && requestIdPattern.test(incoming) ? incoming : randomUUID());
    await next();
    // A route's answer carries it already (answer-headers.ts).
    if (!hasAnswerHeaders(c.res)) c.res.headers.set("x-request-id", c.get("requestId"));
  };
}
