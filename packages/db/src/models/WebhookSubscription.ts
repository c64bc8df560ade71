import type { Knex } from "knex";
import { raw } from "objection";
import { RegistrarModel } from "./RegistrarModel.ts";

/** A subscription as the API answers it. */
export type WebhookRow = {
  id: number;
  url: string;
  eventTypes: string[];
  description: string | null;
  createdAt: string;
  /** the feed id of the last event it is done with, a decimal string */
  deliveredThrough: string;
};

/** A subscription a worker may work on now, as {@link WebhookSubscription.claimDue} reads it. */
export type DueSubscription = {
  id: number;
  url: string;
  eventTypes: string[];
  secretCiphertext: string;
  secretKeyId: string;
  deliveredThrough: string;
  pendingEventId: string | null;
  pendingAttempts: number;
  leaseDeliveryId: string | null;
  /** a worker held it and its lease ran out without an answer recorded (it stopped or died) */
  leaseLapsed: boolean;
};

/** An event as a webhook delivers it: the feed's shape (`GET /events`). */
export type WebhookEventPayload = {
  id: string;
  type: string;
  occurred_at: string;
  data: Record<string, unknown>;
};

const webhookColumns = [
  "webhook_subscriptions.id",
  "webhook_subscriptions.url",
  "webhook_subscriptions.event_types as eventTypes",
  "webhook_subscriptions.description",
  "webhook_subscriptions.created_at as createdAt",
  // a bigint: as text, like every event id the API answers
  raw('webhook_subscriptions.delivered_through::text as "deliveredThrough"'),
];

/**
 * A webhook subscription and where its delivery stands (migration 20261203000200; the
 * columns are explained there). The worker's statements are static methods here, each run
 * in the short claiming or recording transaction of core's webhook delivery functions.
 */
export class WebhookSubscription extends RegistrarModel {
  static override tableName = "webhook_subscriptions";

  id!: number;
  url!: string;
  eventTypes!: string[];
  description!: string | null;
  secretCiphertext!: string;
  secretKeyId!: string;
  createdAt!: string;
  deliveredThrough!: string;
  pendingEventId!: string | null;
  pendingAttempts!: number;
  nextAttemptAt!: string | null;
  leasedUntil!: string | null;
  leaseToken!: string | null;
  leaseDeliveryId!: string | null;

  /**
   * Inserts a subscription whose cursor is the feed's head now, so it receives the events
   * recorded after it (the caller runs the relay first). Raw for the cursor: a sub-select
   * of the relay's counter (`event_feed_head`, migration 20261203000100), which retention
   * never lowers.
   */
  static async create(
    db: Knex,
    fields: Pick<
      WebhookSubscription,
      "url" | "eventTypes" | "description" | "secretCiphertext" | "secretKeyId"
    >,
  ): Promise<WebhookRow> {
    const [inserted] = await db("webhook_subscriptions")
      .insert({
        url: fields.url,
        event_types: fields.eventTypes,
        description: fields.description,
        secret_ciphertext: fields.secretCiphertext,
        secret_key_id: fields.secretKeyId,
        delivered_through: db.raw("(select last_id from event_feed_head)"),
      })
      .returning<Array<{ id: number }>>("id");
    const row = inserted && (await WebhookSubscription.byId(db, inserted.id));
    if (!row) throw new Error("the webhook just inserted is not there");
    return row;
  }

  static async byId(db: Knex, id: number): Promise<WebhookRow | undefined> {
    const [row] = (await WebhookSubscription.query(db)
      .select(webhookColumns)
      .where("webhook_subscriptions.id", id)
      .toKnexQuery()) as WebhookRow[];
    return row;
  }

  static async listAll(db: Knex, limit: number): Promise<WebhookRow[]> {
    return (await WebhookSubscription.query(db)
      .select(webhookColumns)
      .orderBy("webhook_subscriptions.id")
      .limit(limit)
      .toKnexQuery()) as WebhookRow[];
  }

  /**
   * Moves the cursor to `deliveredThrough` and drops any event in progress and any lease:
   * a worker still delivering finds its lease gone and records only its attempt.
   */
  static async replayFrom(db: Knex, id: number, deliveredThrough: string): Promise<WebhookRow | undefined> {
    const changed = await db("webhook_subscriptions")
      .update({
        delivered_through: db.raw("?::bigint", [deliveredThrough]),
        pending_event_id: null,
        pending_attempts: 0,
        next_attempt_at: null,
        leased_until: null,
        lease_token: null,
        lease_delivery_id: null,
      })
      .where("id", id);
    return Number(changed) === 0 ? undefined : WebhookSubscription.byId(db, id);
  }

  /** The feed's head: every event with an id up to it is visible (the relay's prefix rule). */
  static async feedHead(trx: Knex.Transaction): Promise<string> {
    const result = await trx.raw<{ rows: Array<{ head: string }> }>(
      "select last_id::text as head from event_feed_head",
    );
    return result.rows[0]?.head ?? "0";
  }

  /**
   * Row-locks up to `limit` subscriptions that have work now, skipping those another worker
   * is claiming (`FOR UPDATE SKIP LOCKED`) and those leased to a worker: an event whose next
   * attempt is due, or events past the cursor up to `head`. The lock lasts only the claiming
   * transaction; the lease written in it is what keeps others away during the HTTP call.
   * Raw SQL for `for update of … skip locked` with its `order by … nulls first`.
   */
  static async claimDue(trx: Knex.Transaction, head: string, limit: number): Promise<DueSubscription[]> {
    const result = await trx.raw<{ rows: DueSubscription[] }>(
      `select s.id, s.url, s.event_types as "eventTypes", s.secret_ciphertext as "secretCiphertext",
              s.secret_key_id as "secretKeyId", s.delivered_through::text as "deliveredThrough",
              s.pending_event_id::text as "pendingEventId", s.pending_attempts as "pendingAttempts",
              s.lease_delivery_id::text as "leaseDeliveryId", (s.leased_until is not null) as "leaseLapsed"
       from webhook_subscriptions s
       where (s.leased_until is null or s.leased_until <= now())
         and case when s.pending_event_id is not null
                  then s.next_attempt_at is null or s.next_attempt_at <= now()
                  else s.delivered_through < ?::bigint end
       order by s.next_attempt_at nulls first, s.id
       limit ?
       for update of s skip locked`,
      [head, limit],
    );
    return result.rows;
  }

  /**
   * The id of the first event after `after` and up to `head` whose type the patterns name
   * (a type, or `resource.*`, as `GET /events?types=` matches them). Raw SQL: patterns are
   * matched against a column of arrays, which the query builder cannot spell.
   */
  static async nextEvent(
    trx: Knex.Transaction,
    after: string,
    head: string,
    patterns: readonly string[],
  ): Promise<string | undefined> {
    const result = await trx.raw<{ rows: Array<{ id: string }> }>(
      `select e.id::text as id from events e
       where e.id > ?::bigint and e.id <= ?::bigint
         and (e.type = any(?::text[]) or split_part(e.type, '.', 1) || '.*' = any(?::text[]))
       order by e.id
       limit 1`,
      [after, head, patterns as string[], patterns as string[]],
    );
    return result.rows[0]?.id;
  }

  /** The event with feed id `id` as it is delivered; undefined once retention removed it. */
  static async eventPayload(db: Knex, id: string): Promise<WebhookEventPayload | undefined> {
    const [row] = await db("events")
      .select(db.raw("id::text as id"), "type", "occurred_at", "data")
      .where("id", db.raw("?::bigint", [id]));
    return row as WebhookEventPayload | undefined;
  }

  /** The subscription is done with everything up to `through` and holds no event or lease. */
  static async advance(trx: Knex.Transaction, id: number, through: string): Promise<void> {
    await trx("webhook_subscriptions")
      .update({
        delivered_through: trx.raw("greatest(delivered_through, ?::bigint)", [through]),
        pending_event_id: null,
        pending_attempts: 0,
        next_attempt_at: null,
        leased_until: null,
        lease_token: null,
        lease_delivery_id: null,
      })
      .where("id", id);
  }

  /**
   * Leases the subscription to a worker for `leaseMs` for attempt `attempt` at `eventId`,
   * recording the attempt as started; resolves to the new delivery row's id.
   */
  static async startAttempt(
    trx: Knex.Transaction,
    lease: { id: number; eventId: string; attempt: number; leaseMs: number; leaseToken: string },
  ): Promise<string> {
    const [delivery] = await trx("webhook_deliveries")
      .insert({
        subscription_id: lease.id,
        event_id: trx.raw("?::bigint", [lease.eventId]),
        attempt: lease.attempt,
      })
      .returning<Array<{ id: string | number }>>("id");
    if (!delivery) throw new Error("no delivery row");
    const deliveryId = String(delivery.id);
    await trx("webhook_subscriptions")
      .update({
        pending_event_id: trx.raw("?::bigint", [lease.eventId]),
        pending_attempts: lease.attempt,
        next_attempt_at: null,
        leased_until: trx.raw("now() + ?::int * interval '1 millisecond'", [lease.leaseMs]),
        lease_token: lease.leaseToken,
        lease_delivery_id: trx.raw("?::bigint", [deliveryId]),
      })
      .where("id", lease.id);
    return deliveryId;
  }

  /** Records an attempt's outcome; `retryInMs` undefined: none follows (delivered or given up). */
  static async recordAttempt(
    trx: Knex.Transaction,
    deliveryId: string,
    outcome: { statusCode: number | null; error: string | null; retryInMs: number | undefined },
  ): Promise<string | null> {
    const [row] = await trx("webhook_deliveries")
      .update({
        status_code: outcome.statusCode,
        error: outcome.error,
        next_attempt_at:
          outcome.retryInMs === undefined
            ? null
            : trx.raw("now() + ?::int * interval '1 millisecond'", [Math.round(outcome.retryInMs)]),
      })
      .where("id", trx.raw("?::bigint", [deliveryId]))
      .returning<Array<{ next_attempt_at: string | null }>>("next_attempt_at");
    return row?.next_attempt_at ?? null;
  }

  /**
   * Ends the lease `leaseToken` after an attempt: the event is done (`nextAttemptAt` null)
   * or waits for its next attempt. False when the lease is no longer this worker's (it ran
   * out and another took over, or a replay revoked it): then nothing changes here.
   */
  static async releaseLease(
    trx: Knex.Transaction,
    id: number,
    leaseToken: string,
    next: { done: true; eventId: string } | { done: false; nextAttemptAt: string | null },
  ): Promise<boolean> {
    const query = trx("webhook_subscriptions").where({ id, lease_token: leaseToken });
    const updated = next.done
      ? await query.update({
          delivered_through: trx.raw("greatest(delivered_through, ?::bigint)", [next.eventId]),
          pending_event_id: null,
          pending_attempts: 0,
          next_attempt_at: null,
          leased_until: null,
          lease_token: null,
          lease_delivery_id: null,
        })
      : await query.update({
          next_attempt_at: next.nextAttemptAt,
          leased_until: null,
          lease_token: null,
          lease_delivery_id: null,
        });
    return Number(updated) > 0;
  }
}
