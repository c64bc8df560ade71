/**
 * Verifying Registrar's webhooks in a receiver (Standard Webhooks, contract v1.1 "Events
 * and webhooks"). Web Crypto only, so it runs in Node.js 20+, browsers, Deno and edge
 * runtimes alike; `crypto.subtle.verify` compares the HMAC in constant time.
 */

import type { RegistrarEvent } from "./events.ts";

/**
 * An event as a webhook carries it: the feed's shape (`GET /events`), discriminated on
 * `type`; its `id` (a decimal string) is also the `webhook-id` header.
 */
export type WebhookEvent = RegistrarEvent;

/** Request headers as Node's `IncomingMessage`, the Fetch API or a plain object hold them. */
export type WebhookHeaders =
  | Headers
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export type WebhookVerificationFailure =
  | "missing_header"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "invalid_secret"
  | "no_matching_signature"
  | "invalid_body";

/** Why a webhook was refused; `reason` is stable, the message is for people. */
export class WebhookVerificationError extends Error {
  readonly reason: WebhookVerificationFailure;

  constructor(reason: WebhookVerificationFailure, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}

export type VerifyWebhookOptions = {
  /** How far `webhook-timestamp` may be from now, either way (default 300 s, as Standard Webhooks). */
  toleranceSeconds?: number;
  /** The time to compare with (default: now). */
  now?: Date;
};

const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = "whsec_";

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const value =
    record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;
  return typeof value === "string" ? value : value?.join(" ");
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Checks a webhook as received and answers its event: the `webhook-signature` header must
 * hold a `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` made with
 * `secret` (the `whsec_…` shown when the subscription was created; several signatures are
 * separated by spaces, any one may match), and `webhook-timestamp` must be within
 * `toleranceSeconds` of now (replays of old deliveries are refused). Pass the body exactly
 * as received, before any JSON parsing. Throws {@link WebhookVerificationError}.
 *
 * The event is typed as {@link RegistrarEvent}, so `switch (event.type)` narrows
 * `event.data`; the signature vouches that Registrar sent it, and `Event` names another
 * type for a receiver of something else. Deliveries are at least once: deduplicate on
 * `event.id` (equal to `webhook-id`).
 */
export async function verifyWebhook<Event = WebhookEvent>(
  secret: string,
  body: string | Uint8Array,
  headers: WebhookHeaders,
  options: VerifyWebhookOptions = {},
): Promise<Event> {
  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError(
      "missing_header",
      "webhook-id, webhook-timestamp and webhook-signature are all required",
    );
  }
  if (!/^[0-9]{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not Unix seconds");
  }
  const timestamp = Number(timestampText);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError(
      "timestamp_too_old",
      `webhook-timestamp is more than ${tolerance} s old`,
    );
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError(
      "timestamp_too_new",
      `webhook-timestamp is more than ${tolerance} s in the future`,
    );
  }
  const keyBytes = base64Bytes(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
  );
  if (!keyBytes || keyBytes.length === 0) {
    throw new WebhookVerificationError("invalid_secret", "the secret is not whsec_ and base64");
  }
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const encoder = new TextEncoder();
  const bodyBytes = typeof body === "string" ? encoder.encode(body) : body;
  const prefix = encoder.encode(`${id}.${timestampText}.`);
  const signed = new Uint8Array(prefix.length + bodyBytes.length);
  signed.set(prefix);
  signed.set(bodyBytes, prefix.length);
  let matched = false;
  for (const entry of signatures.split(" ")) {
    const [version, encoded] = entry.split(",", 2);
    if (version !== "v1" || encoded === undefined) continue;
    const signature = base64Bytes(encoded);
    // every candidate is checked, so the time taken says nothing about which one matched
    if (signature && (await crypto.subtle.verify("HMAC", key, signature, signed))) matched = true;
  }
  if (!matched) {
    throw new WebhookVerificationError(
      "no_matching_signature",
      "no v1 signature in webhook-signature matches",
    );
  }
  try {
    return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) as Event;
  } catch {
    throw new WebhookVerificationError("invalid_body", "the signed body is not JSON");
  }
}
