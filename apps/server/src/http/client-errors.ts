import { type Server, type ServerOptions, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { DomainError, problemFromError } from "@registrar/core";
import type { Logger } from "pino";

export type RequestTimeouts = {
  /** The whole request, headers and body, must arrive within this. */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
};

/**
 * Node's server options that bound how long a client may take to send its request. Node
 * checks for expired requests every `connectionsCheckingInterval` (30 s by default, which
 * would add up to 30 s to either bound), so it is checked often enough to keep the bound.
 */
export function requestTimeoutOptions(timeouts: RequestTimeouts): ServerOptions {
  const shortest = Math.min(timeouts.requestTimeoutMs, timeouts.headersTimeoutMs);
  return {
    requestTimeout: timeouts.requestTimeoutMs,
    headersTimeout: timeouts.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(shortest / 4))),
  };
}

const timedOutSockets = new WeakSet<Socket>();

/** True when this server closed `socket` because its request did not arrive in time. */
export function wasTimedOut(socket: Socket): boolean {
  return timedOutSockets.has(socket);
}

/** What a client error is answered with, before the connection closes. */
function refusalFor(error: NodeJS.ErrnoException, timeouts: RequestTimeouts): DomainError {
  const problem = (status: number, path: string, message: string, detail: string) =>
    new DomainError("validation_failed", detail, { errors: [{ path, message }] }, status);
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return problem(
        431,
        "headers",
        "the request line and headers are too large",
        "The request line and headers are too large (a URL this long cannot be served; send a smaller tRPC batch or use POST).",
      );
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return problem(
        408,
        "request",
        `did not arrive in time (headers within ${timeouts.headersTimeoutMs} ms, the whole request within ${timeouts.requestTimeoutMs} ms)`,
        "The request did not arrive in time; the connection is closed.",
      );
    default:
      return problem(400, "request", "is not a valid HTTP/1.1 request", "The request is not valid HTTP/1.1.");
  }
}

/**
 * Answers what Node's HTTP parser and request timeouts refuse (a request line and headers
 * over Node's limit, malformed HTTP, a request that does not arrive in time) with a problem
 * like any other, instead of Node's bodyless 431/400/408, then closes the connection.
 * Nothing is written once an answer to a request on that connection has started.
 */
export function answerClientErrors(
  server: Server,
  options: { logger?: Logger | undefined; timeouts: RequestTimeouts },
): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") timedOutSockets.add(socket);
    // The answer in progress on this socket, as Node's own default handler checks it.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const problem = problemFromError(refusalFor(error, options.timeouts));
    options.logger?.info(
      { clientError: error.code, status: problem.status, remoteAddress: socket.remoteAddress },
      problem.detail,
    );
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        "Content-Type: application/problem+json\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" +
        "X-Content-Type-Options: nosniff\r\n" +
        "Connection: close\r\n\r\n" +
        body,
    );
    socket.destroySoon();
  });
}
