import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * The socket's address; behind a proxy that is the proxy (no X-Forwarded-For is trusted:
 * any client could send one and pick its own rate-limit budget).
 */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? "unknown";
}
