import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
} from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { type Database, WebhookDelivery, type WebhookEventPayload, WebhookSubscription } from "@registrar/db";
import { z } from "zod";
import { clipped, DomainError } from "./errors.ts";
import { eventTypePatternSchema, relayEvents } from "./events.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { idSchema, pageInput } from "./schemas.ts";

/**
 * Webhook subscriptions (contract v1.1, "Events and webhooks"): the admin's side of them.
 * The delivery worker (apps/server/src/webhooks) uses the signing, sealing and address
 * rules exported here too, so creation and delivery refuse the same targets.
 */

// ---- errors ------------------------------------------------------------------------------

export class WebhookNotFound extends DomainError<{ webhookId: number }> {
  constructor(webhookId: number) {
    super("webhook_not_found", `Webhook ${webhookId} does not exist.`, { webhookId });
  }
}

export class WebhookUrlForbidden extends DomainError<Record<string, never>> {
  constructor(detail: string) {
    super("webhook_url_forbidden", detail, {});
  }
}

// ---- settings ----------------------------------------------------------------------------

/** What creating a subscription needs beyond its input: the server's key and network policy. */
export type WebhookSettings = {
  /** The 32-byte AES-256-GCM key that seals signing secrets (WEBHOOK_SECRETS_KEY). */
  secretsKey: Buffer;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: loopback and private targets allowed (tests, closed networks). */
  allowPrivateNetworks: boolean;
};

let processSettings: WebhookSettings | undefined;

/**
 * Sets the webhook settings of this process. They are one per server process, read once
 * from its zod config like the logger (the key and the network policy are facts of the
 * deployment, not of a request), so the operations read them here rather than through
 * every transport's per-request dependencies. A process that never configures them (tests
 * that do not use webhooks) gets an ephemeral key and the strict network policy.
 */
export function configureWebhooks(settings: WebhookSettings): void {
  if (settings.secretsKey.length !== 32) throw new Error("the webhook secrets key must be 32 bytes");
  processSettings = settings;
}

export function webhookSettings(): WebhookSettings {
  processSettings ??= { secretsKey: randomBytes(32), allowPrivateNetworks: false };
  return processSettings;
}

// ---- secrets -------------------------------------------------------------------------------

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const SEAL_VERSION = "v1";
// Binds the ciphertext to its purpose: a sealed secret cannot be passed off as another kind of blob.
const SEAL_AAD = Buffer.from("registrar webhook signing secret");

/** A new signing secret: `whsec_` and the base64 of 32 random bytes (Standard Webhooks). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

/** The HMAC key of a secret: the bytes the base64 after `whsec_` stands for. */
export function webhookSecretKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
}

/** Which key sealed a secret: a prefix of the key's SHA-256, which says nothing of the key. */
export function secretsKeyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** `v1:` and base64 of IV (12 bytes), GCM tag (16) and ciphertext: AES-256-GCM under `key`. */
export function sealWebhookSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(SEAL_AAD);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `${SEAL_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

/** The secret sealed by {@link sealWebhookSecret}; throws when `key` is not the key that sealed it. */
export function openWebhookSecret(sealed: string, key: Buffer): string {
  const [version, payload] = sealed.split(":");
  if (version !== SEAL_VERSION || payload === undefined) throw new Error("unknown sealed secret format");
  const bytes = Buffer.from(payload, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
  decipher.setAAD(SEAL_AAD);
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
}

/**
 * `webhook-signature`'s value (Standard Webhooks): `v1,` and the base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}` keyed with the secret's bytes.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", webhookSecretKey(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

// ---- target addresses ------------------------------------------------------------------------

/** IPv4 ranges a webhook may not reach: this host, private networks, link-local, shared, special. */
const forbiddenIpv4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"; 0.0.0.0 reaches this host
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (carrier-grade NAT)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata services live here)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
] as const) {
  forbiddenIpv4.addSubnet(network, prefix, "ipv4");
}

/** IPv6 ranges a webhook may not reach (addresses that embed an IPv4 one are checked as that). */
const forbiddenIpv6 = new BlockList();
for (const [network, prefix] of [
  ["::", 128], // unspecified: reaches this host
  ["::1", 128], // loopback
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated, still routed by some)
  ["fc00::", 7], // unique-local
  ["ff00::", 8], // multicast
  ["100::", 64], // discard-only
] as const) {
  forbiddenIpv6.addSubnet(network, prefix, "ipv6");
}

/** The 16 bytes of an IPv6 address (a zone id is dropped), or undefined when it is not one. */
function ipv6Bytes(text: string): number[] | undefined {
  let address = text.split("%")[0] ?? "";
  if (isIP(address) !== 6) return undefined;
  // a dotted IPv4 tail (`::ffff:127.0.0.1`) as its two hex groups
  const dottedTail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dottedTail) {
    const [a, b, c, d] = dottedTail.slice(1).map(Number) as [number, number, number, number];
    address = `${address.slice(0, dottedTail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = "", right] = address.split("::");
  const leftGroups = left ? left.split(":") : [];
  const rightGroups = right ? right.split(":") : [];
  const groups =
    right === undefined
      ? leftGroups
      : [
          ...leftGroups,
          ...Array<string>(8 - leftGroups.length - rightGroups.length).fill("0"),
          ...rightGroups,
        ];
  if (groups.length !== 8) return undefined;
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

const startsWith = (bytes: number[], prefix: number[]) =>
  prefix.every((byte, index) => bytes[index] === byte);
const dotted = (bytes: number[]) => bytes.join(".");

/**
 * The IPv4 address an IPv6 one stands for, when it embeds one that the network would reach:
 * IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated), NAT64
 * (`64:ff9b::/96`) and 6to4 (`2002:aabb:ccdd::/48`).
 */
function embeddedIpv4(bytes: number[]): string | undefined {
  const zeros10 = Array(10).fill(0);
  if (startsWith(bytes, [...zeros10, 0xff, 0xff])) return dotted(bytes.slice(12));
  if (startsWith(bytes, [...zeros10, 0, 0])) {
    // ::a.b.c.d, but not :: and ::1, which the IPv6 list names
    const v4 = bytes.slice(12);
    if (v4.slice(0, 3).some((byte) => byte !== 0) || (v4[3] ?? 0) > 1) return dotted(v4);
  }
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return dotted(bytes.slice(12));
  if (startsWith(bytes, [0x20, 0x02])) return dotted(bytes.slice(2, 6));
  return undefined;
}

/**
 * Whether `address` (an IP address as text) is one a webhook may not reach: loopback,
 * private, link-local, unique-local, unspecified, multicast or reserved, in IPv4 or IPv6,
 * including IPv6 forms that embed such an IPv4 address.
 */
export function isForbiddenWebhookAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbiddenIpv4.check(address, "ipv4");
  const bytes = ipv6Bytes(address);
  if (!bytes) return true; // not an address at all: never connect to it
  const v4 = embeddedIpv4(bytes);
  if (v4 !== undefined) return forbiddenIpv4.check(v4, "ipv4");
  return forbiddenIpv6.check((address.split("%")[0] ?? "").toLowerCase(), "ipv6");
}

export type ResolvedAddress = { address: string; family: 4 | 6 };

/** A URL's host as the resolver and `isIP` take it: IPv6 literals without their brackets. */
export function webhookHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Every address `url`'s host stands for: itself when it is an IP literal, else what the
 * system resolver answers. Refused with `webhook_url_forbidden` when any of them may not
 * be reached (unless private networks are allowed): a name with one public and one private
 * address could otherwise be steered to the private one.
 */
export async function resolveWebhookTarget(
  url: URL,
  allowPrivateNetworks: boolean,
): Promise<ResolvedAddress[]> {
  const host = webhookHost(url);
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal as 4 | 6 }]
    : (await lookup(host, { all: true, verbatim: true })).map(({ address, family }) => ({
        address,
        family: family as 4 | 6,
      }));
  if (!allowPrivateNetworks) {
    const forbidden = addresses.find(({ address }) => isForbiddenWebhookAddress(address));
    if (forbidden) {
      throw new WebhookUrlForbidden(
        `The webhook URL's host ${host} ${literal ? "is" : `resolves to ${forbidden.address}, which is`} a loopback, private, link-local or reserved address; set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it.`,
      );
    }
  }
  return addresses;
}

// ---- schemas -------------------------------------------------------------------------------

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_EVENT_TYPES = 50;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 1000;

/** An http(s) URL without credentials, as WHATWG URL parses it. */
export const webhookUrlSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .superRefine((text, context) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      context.addIssue({ code: "custom", message: "must be an absolute http or https URL" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      context.addIssue({ code: "custom", message: "must be an http or https URL" });
    }
    if (url.username !== "" || url.password !== "") {
      context.addIssue({ code: "custom", message: "must not carry credentials (user:password@)" });
    }
  })
  .meta({
    description: "http(s) URL without credentials",
    example: "https://lms.example.org/registrar-hooks",
  });

export const createWebhookInput = z.strictObject({
  url: webhookUrlSchema,
  /** Event types (`student.created`) or resources' patterns (`enrollment.*`), as `GET /events?types=`. */
  eventTypes: z
    .array(eventTypePatternSchema)
    .min(1, "must name at least one event type")
    .max(MAX_WEBHOOK_EVENT_TYPES, `must name at most ${MAX_WEBHOOK_EVENT_TYPES} event types`),
  description: z
    .string()
    .max(MAX_WEBHOOK_DESCRIPTION_LENGTH, `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character refused
    .regex(/^[^\u0000]*$/, "must not contain the NUL character (U+0000)")
    .nullable()
    .optional(),
});

const eventIdSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/, "must be an event id (a decimal string)")
  .max(18)
  .meta({ description: "An event id, a decimal string", example: "42" });
const timestamp = z.string().max(24).meta({ example: "2026-12-03T08:00:00.000Z" });

/** The most subscriptions `GET /webhooks` lists (the oldest first). */
export const MAX_LISTED_WEBHOOKS = 1000;

export const webhookSchema = z
  .object({
    id: idSchema,
    url: z.string().max(MAX_WEBHOOK_URL_LENGTH),
    eventTypes: z.array(z.string().max(100)).max(MAX_WEBHOOK_EVENT_TYPES),
    description: z.string().max(MAX_WEBHOOK_DESCRIPTION_LENGTH).nullable(),
    createdAt: timestamp,
    /** Extension: the id of the last event this subscription is done with ("0": none yet). */
    deliveredThrough: z
      .string()
      .regex(/^[0-9]+$/)
      .max(18)
      .meta({ description: "Extension: the id of the last event it is done with (delivered or given up)" }),
  })
  .meta({ id: "Webhook" });

export const createdWebhookSchema = webhookSchema
  .extend({ secret: z.string().max(100).meta({ description: "whsec_…: shown only in this answer" }) })
  .meta({ id: "CreatedWebhook" });

export const webhookDeliverySchema = z
  .object({
    eventId: eventIdSchema,
    attempt: z.number().int().min(1).max(100),
    statusCode: z.number().int().min(100).max(999).nullable(),
    error: z.string().max(1000).nullable(),
    at: timestamp,
    nextAttemptAt: timestamp.nullable(),
  })
  .meta({ id: "WebhookDelivery" });

export const webhookDeliveriesInput = pageInput.extend({ id: idSchema });
export const replayWebhookInput = z.strictObject({ id: idSchema, fromEventId: eventIdSchema });

export type CreateWebhookInput = z.infer<typeof createWebhookInput>;
// Plain types (the models' rows), not `z.infer`: the SDK's published declarations spell
// the router's outputs out, and must not import zod (packages/sdk/rollup.config.mjs).
// Written out rather than taken from the models: nor may they import @registrar/db.
export type Webhook = {
  id: number;
  url: string;
  eventTypes: string[];
  description: string | null;
  createdAt: string;
  deliveredThrough: string;
};
export type CreatedWebhook = Webhook & { secret: string };
export type WebhookDeliveryRow = {
  eventId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  at: string;
  nextAttemptAt: string | null;
};

// ---- services ------------------------------------------------------------------------------

/**
 * Creates a subscription and answers its secret, the one time it is shown. The URL's host
 * is resolved now (a name that does not resolve yet is accepted: delivery resolves and
 * checks it again before every attempt). It receives the events recorded after this.
 */
export async function createWebhook(db: Database, input: CreateWebhookInput): Promise<CreatedWebhook> {
  const settings = webhookSettings();
  const url = new URL(input.url);
  try {
    await resolveWebhookTarget(url, settings.allowPrivateNetworks);
  } catch (error) {
    if (error instanceof WebhookUrlForbidden) throw error;
    // not resolvable now (no such name, no DNS): checked again at every delivery
  }
  // Committed events still without a feed id get theirs first: else they would get ids above
  // the cursor taken now, and be delivered as if recorded after the subscription.
  await relayEvents(db);
  const secret = newWebhookSecret();
  const row = await WebhookSubscription.create(db, {
    url: url.href,
    eventTypes: [...new Set(input.eventTypes)],
    description: input.description ?? null,
    secretCiphertext: sealWebhookSecret(secret, settings.secretsKey),
    secretKeyId: secretsKeyId(settings.secretsKey),
  });
  return { ...row, secret };
}

export async function listWebhooks(db: Database): Promise<{ webhooks: Webhook[] }> {
  return { webhooks: await WebhookSubscription.listAll(db, MAX_LISTED_WEBHOOKS) };
}

export async function getWebhook(db: Database, id: number): Promise<Webhook> {
  const row = await WebhookSubscription.byId(db, id);
  if (!row) throw new WebhookNotFound(id);
  return row;
}

/** Deletes the subscription and its deliveries; an attempt in flight finishes unrecorded. */
export async function deleteWebhook(db: Database, id: number): Promise<void> {
  const deleted = await WebhookSubscription.query(db).deleteById(id);
  if (deleted === 0) throw new WebhookNotFound(id);
}

export async function listWebhookDeliveries(
  db: Database,
  input: z.infer<typeof webhookDeliveriesInput>,
): Promise<{ deliveries: WebhookDeliveryRow[]; nextCursor: string | null }> {
  const { afterId, limit } = pageWindow(input);
  return db.transaction(async (trx) => {
    // the subscription's row, so a missing one is told from one without deliveries
    if (!(await WebhookSubscription.byId(trx, input.id))) throw new WebhookNotFound(input.id);
    const rows = await WebhookDelivery.page(trx, input.id, afterId, limit + 1);
    const { items, nextCursor } = pageOf(rows, limit);
    return { deliveries: items.map(({ id: _id, ...delivery }) => delivery), nextCursor };
  });
}

/**
 * Extension (not in the contract): delivers again from `fromEventId` on. The subscription's
 * cursor moves to just before it and any event in progress is dropped; an attempt in flight
 * still completes, but its answer no longer moves the cursor (its lease is revoked).
 */
export async function replayWebhook(
  db: Database,
  input: z.infer<typeof replayWebhookInput>,
): Promise<Webhook> {
  const row = await WebhookSubscription.replayFrom(db, input.id, (BigInt(input.fromEventId) - 1n).toString());
  if (!row) throw new WebhookNotFound(input.id);
  return row;
}

// ---- delivery (the worker's database side) -------------------------------------------------

/** One attempt a worker has claimed: deliver `event` to `url`, then {@link finishWebhookAttempt}. */
export type WebhookAttempt = {
  subscriptionId: number;
  url: string;
  secretCiphertext: string;
  secretKeyId: string;
  event: WebhookEventPayload;
  /** 1 for the first attempt at this event */
  attempt: number;
  leaseToken: string;
  deliveryId: string;
};

export type WebhookRetryPolicy = { maxAttempts: number; retryBaseMs: number };

/** How long a claimed attempt is the worker's; an answer must be recorded well within it. */
export type WebhookClaimOptions = WebhookRetryPolicy & { limit: number; leaseMs: number };

const LAPSED_ERROR = "no answer recorded: the worker stopped during the attempt (its lease ran out)";
const SWEPT_ERROR = "the event is no longer kept (EVENTS_RETENTION_DAYS): given up";

/**
 * The delay before attempt `attempt + 1`: exponential from `baseMs` (base, 2 base, 4 base,
 * …, at most an hour) with equal jitter (half fixed, half random), so that receivers that
 * failed together are not retried together.
 */
export function webhookRetryDelayMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), 3_600_000);
  return exponential / 2 + (random() * exponential) / 2;
}

/**
 * Claims up to `limit` attempts, in one short transaction: the due subscriptions are
 * row-locked with `FOR UPDATE SKIP LOCKED` (two workers never claim the same one), each
 * gets its next event (the one in progress, or the first past its cursor that its patterns
 * name) and a lease, and the attempt is recorded as started. Nothing stays locked after
 * the commit: the HTTP call happens outside any transaction, and the lease keeps other
 * workers off the subscription until it is released or runs out (a crashed worker).
 *
 * Per subscription only one event is ever in progress, and the cursor moves past it only
 * once it is delivered or given up: deliveries are in feed order per subscription.
 */
export async function claimWebhookAttempts(
  db: Database,
  options: WebhookClaimOptions,
): Promise<WebhookAttempt[]> {
  return db.transaction(async (trx) => {
    const head = await WebhookSubscription.feedHead(trx);
    const due = await WebhookSubscription.claimDue(trx, head, options.limit);
    const attempts: WebhookAttempt[] = [];
    for (const subscription of due) {
      let eventId = subscription.pendingEventId;
      let attempt = subscription.pendingAttempts + 1;
      if (subscription.leaseLapsed && subscription.leaseDeliveryId) {
        const givenUp = subscription.pendingAttempts >= options.maxAttempts;
        await WebhookSubscription.recordAttempt(trx, subscription.leaseDeliveryId, {
          statusCode: null,
          error: LAPSED_ERROR,
          retryInMs: givenUp ? undefined : 0,
        });
        if (givenUp && eventId) {
          await WebhookSubscription.advance(trx, subscription.id, eventId);
          eventId = null;
        }
      }
      if (eventId === null) {
        const after = subscription.pendingEventId ?? subscription.deliveredThrough;
        const next = await WebhookSubscription.nextEvent(trx, after, head, subscription.eventTypes);
        if (next === undefined) {
          // nothing it wants up to the head: skip the cursor over the rest
          await WebhookSubscription.advance(trx, subscription.id, head);
          continue;
        }
        eventId = next;
        attempt = 1;
      }
      const event = await WebhookSubscription.eventPayload(trx, eventId);
      if (!event) {
        const deliveryId = await WebhookSubscription.startAttempt(trx, {
          id: subscription.id,
          eventId,
          attempt,
          leaseMs: options.leaseMs,
          leaseToken: randomUUID(),
        });
        await WebhookSubscription.recordAttempt(trx, deliveryId, {
          statusCode: null,
          error: SWEPT_ERROR,
          retryInMs: undefined,
        });
        await WebhookSubscription.advance(trx, subscription.id, eventId);
        continue;
      }
      const leaseToken = randomUUID();
      const deliveryId = await WebhookSubscription.startAttempt(trx, {
        id: subscription.id,
        eventId,
        attempt,
        leaseMs: options.leaseMs,
        leaseToken,
      });
      attempts.push({
        subscriptionId: subscription.id,
        url: subscription.url,
        secretCiphertext: subscription.secretCiphertext,
        secretKeyId: subscription.secretKeyId,
        event,
        attempt,
        leaseToken,
        deliveryId,
      });
    }
    return attempts;
  });
}

/** What came of one attempt: a 2xx is delivered; anything else is retried or, at the last, given up. */
export type WebhookAttemptOutcome = { statusCode: number | null; error: string | null };

/**
 * Records an attempt's outcome and releases its lease, in one transaction: delivered or
 * out of attempts, the cursor moves past the event (its row's `next_attempt_at` null);
 * else the next attempt is due after {@link webhookRetryDelayMs}. A worker whose lease was
 * taken from it (it ran out, or a replay) records its attempt but moves nothing.
 */
export async function finishWebhookAttempt(
  db: Database,
  attempt: WebhookAttempt,
  outcome: WebhookAttemptOutcome,
  policy: WebhookRetryPolicy,
): Promise<"delivered" | "retrying" | "given_up" | "lease_lost"> {
  const delivered = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const done = delivered || attempt.attempt >= policy.maxAttempts;
  return db.transaction(async (trx) => {
    const nextAttemptAt = await WebhookSubscription.recordAttempt(trx, attempt.deliveryId, {
      statusCode: outcome.statusCode,
      error: outcome.error === null ? null : clipped(outcome.error, 1000),
      retryInMs: done ? undefined : webhookRetryDelayMs(attempt.attempt, policy.retryBaseMs),
    });
    const released = await WebhookSubscription.releaseLease(
      trx,
      attempt.subscriptionId,
      attempt.leaseToken,
      done ? { done: true, eventId: attempt.event.id } : { done: false, nextAttemptAt },
    );
    if (!released) return "lease_lost";
    return delivered ? "delivered" : done ? "given_up" : "retrying";
  });
}
