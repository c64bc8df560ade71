import type { Principal } from "@registrar/core";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { earlyEnd } from "./client-abort.ts";

type AccessLogEnv = { Variables: { requestId: string; principal: Principal | undefined } };

/**
 * One access-log line per request, stamped with its request id (as is every other line
 * logged about a request: see app.onError and tRPC's onError). One call, no child logger:
 * this runs on every request. A request whose connection ended before its answer is logged
 * with status 499 and `clientAborted: true` (the client hung up) or 408 and `timedOut: true`
 * (it did not arrive in time), plus `appStatus` when the app had answered something else
 * (a 201 whose client left before reading it still wrote its row).
 */
export function accessLog(logger: Logger): MiddlewareHandler<AccessLogEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    const ended = earlyEnd(c);
    // Path only: query strings are not logged, and headers (tokens) never are.
    logger.info(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: ended ? ended.status : c.res.status,
        ...(ended && {
          [ended.reason === "timed_out" ? "timedOut" : "clientAborted"]: true,
          ...(c.res.status !== ended.status && { appStatus: c.res.status }),
        }),
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
        keyId: c.get("principal")?.keyId,
      },
      "request",
    );
  };
}
