import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { relayEvents } from "@registrar/core";
import type { Database } from "@registrar/db";

export type ReceivedWebhook = { path: string; headers: IncomingHttpHeaders; body: string; at: number };

/**
 * How the receiver answers a request: a status (sent at once), or "hang" (never answers, as
 * a receiver that times out), given the request and how many it had before this one.
 */
export type ReceiverAnswer = number | "hang" | { status: number; headers: Record<string, string> };

export type WebhookReceiver = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  received: ReceivedWebhook[];
  /** Changes how the next requests are answered (default: 200). */
  answerWith(answer: (request: ReceivedWebhook, index: number) => ReceiverAnswer): void;
  close(): Promise<void>;
};

/** A local webhook receiver (node:http on 127.0.0.1) that records every request it gets. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<ServerResponse>();
  let answer: (request: ReceivedWebhook, index: number) => ReceiverAnswer = () => 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = {
        path: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      received.push(entry);
      const reply = answer(entry, received.length - 1);
      if (reply === "hang") {
        hanging.add(response);
        return;
      }
      const { status, headers } = typeof reply === "number" ? { status: reply, headers: {} } : reply;
      response.writeHead(status, headers).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith(next) {
      answer = next;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `condition` until it holds or `timeoutMs` passes (then fails with `what`). */
export async function waitFor<T>(
  what: string,
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The events relay (core's `relayEvents`) run every few ms over `db`, as the server's own
 * relay loop (apps/server/src/events) does in main.ts, so the events of a test server get
 * their feed ids.
 */
export function runEventRelay(db: Database): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await relayEvents(db).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
