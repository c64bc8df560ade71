import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import {
  type ResolvedAddress,
  resolveWebhookTarget,
  WebhookUrlForbidden,
  webhookHost,
} from "@registrar/core";

export type WebhookPost = { url: string; body: string; headers: Record<string, string> };
export type WebhookPostOptions = { timeoutMs: number; allowPrivateNetworks: boolean };
/** The receiver's status, or why there is none; `statusCode` null means no answer. */
export type WebhookPostResult = { statusCode: number | null; error: string | null };

/** How much of a receiver's answer is read (and thrown away) before the connection is cut. */
const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_ERROR_LENGTH = 500;

/**
 * A connection's resolver that answers the one address already checked: Node resolves the
 * host again when it connects, and a name that answered a public address to the check could
 * answer a private one a moment later (DNS rebinding). Pinning the address closes that gap.
 */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/**
 * POSTs one webhook: resolves the URL's host and refuses forbidden addresses (the same rule
 * as at creation, checked again now), connects to the address it checked, never follows a
 * redirect (a 3xx is just not a 2xx), and gives up after `timeoutMs` in all (resolving,
 * connecting, the answer). Never throws: every failure is an error text for the delivery row.
 */
export async function postWebhook(
  post: WebhookPost,
  options: WebhookPostOptions,
): Promise<WebhookPostResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<WebhookPostResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ statusCode: null, error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([attempt(post, options, controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function attempt(
  post: WebhookPost,
  options: WebhookPostOptions,
  signal: AbortSignal,
): Promise<WebhookPostResult> {
  const url = new URL(post.url);
  let target: ResolvedAddress;
  try {
    const addresses = await resolveWebhookTarget(url, options.allowPrivateNetworks);
    const first = addresses[0];
    if (!first) return { statusCode: null, error: `${webhookHost(url)} resolves to no address` };
    target = first;
  } catch (error) {
    if (error instanceof WebhookUrlForbidden) return { statusCode: null, error: error.message };
    const code = (error as NodeJS.ErrnoException).code;
    return { statusCode: null, error: `cannot resolve ${webhookHost(url)}${code ? `: ${code}` : ""}` };
  }
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<WebhookPostResult>((resolve) => {
    const request = send(
      url,
      {
        method: "POST",
        headers: { ...post.headers, "content-length": String(Buffer.byteLength(post.body)) },
        lookup: pinnedLookup(target),
        // a connection of its own: no pooled socket was ever checked against this answer
        agent: false,
        signal,
      },
      (response: IncomingMessage) => {
        const statusCode = response.statusCode ?? null;
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) {
            response.destroy();
            resolve({ statusCode, error: null });
          }
        });
        response.on("end", () => resolve({ statusCode, error: null }));
        response.on("error", () => resolve({ statusCode, error: null }));
      },
    );
    request.on("error", (error) => {
      resolve({ statusCode: null, error: error.message.slice(0, MAX_ERROR_LENGTH) });
    });
    request.end(post.body);
  });
}
