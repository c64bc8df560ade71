import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import { wasTimedOut } from "./client-errors.ts";

/**
 * How a request's connection ended before its answer could be sent:
 * - `client_closed`: the client hung up (mid-body, or while waiting for the answer);
 *   logged with status 499, nginx's "client closed request";
 * - `timed_out`: this server closed it because the request did not arrive within
 *   REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS (the client got a 408); logged with status 408.
 * Neither is a fault of the server or of its database.
 */
export type EarlyEnd = { reason: "client_closed" | "timed_out"; status: 499 | 408; bodyComplete: boolean };

export function earlyEnd(c: Context): EarlyEnd | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  const incoming = env?.incoming;
  if (!incoming) return undefined;
  const socket = incoming.socket;
  const gone = incoming.errored != null || socket.destroyed || env.outgoing?.destroyed === true;
  if (!gone) return undefined;
  const bodyComplete = incoming.complete;
  return wasTimedOut(socket)
    ? { reason: "timed_out", status: 408, bodyComplete }
    : { reason: "client_closed", status: 499, bodyComplete };
}
