import type { Knex } from "knex";
import { raw, ref } from "objection";
import { RegistrarModel } from "./RegistrarModel.ts";

/** A delivery as `GET /webhooks/{id}/deliveries` lists it, with the row id its cursor needs. */
export type WebhookDeliveryListRow = {
  id: number;
  eventId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  at: string;
  nextAttemptAt: string | null;
};

/**
 * One attempt to deliver an event to a subscription (migration 20261203000200): written
 * when the attempt starts (status and error null), completed with its answer.
 */
export class WebhookDelivery extends RegistrarModel {
  static override tableName = "webhook_deliveries";

  id!: string;
  subscriptionId!: number;
  /** the event's feed id, a decimal string */
  eventId!: string;
  /** 1 for the first attempt at this event */
  attempt!: number;
  /** the receiver's HTTP status; null when it gave none (timeout, refused, in flight) */
  statusCode!: number | null;
  error!: string | null;
  /** ISO-8601 (timestamps.ts): when the attempt started */
  at!: string;
  /** when the next attempt is due; null when delivered, given up, or in flight */
  nextAttemptAt!: string | null;

  /** A page of a subscription's deliveries, oldest first, after row `afterId`. */
  static async page(
    db: Knex,
    subscriptionId: number,
    afterId: number,
    limit: number,
  ): Promise<WebhookDeliveryListRow[]> {
    const rows = await WebhookDelivery.query(db)
      .select(
        // bigints as text (a JSON number could lose digits); the row id fits the cursor's integer
        raw("webhook_deliveries.id::int as id"),
        raw('webhook_deliveries.event_id::text as "eventId"'),
        "webhook_deliveries.attempt",
        "webhook_deliveries.status_code as statusCode",
        "webhook_deliveries.error",
        "webhook_deliveries.at",
        "webhook_deliveries.next_attempt_at as nextAttemptAt",
      )
      .where("webhook_deliveries.subscription_id", subscriptionId)
      .where("webhook_deliveries.id", ">", afterId)
      .orderBy("webhook_deliveries.id")
      .limit(limit)
      .toKnexQuery();
    return rows as unknown as WebhookDeliveryListRow[];
  }

  /**
   * Deletes at most `batch` attempts older than `retentionDays` days at events their
   * subscription is done with (delivered or given up: at or below its `delivered_through`),
   * oldest first; resolves to how many. An attempt at the event in progress stays, however
   * old, so a subscription's current history is never cut. One range of
   * `webhook_deliveries_at_index` a batch, each row's subscription read by its key: a
   * sweep holds few row locks and no long statement, as the events' sweep does.
   */
  static async sweep(db: Knex, retentionDays: number, batch: number): Promise<number> {
    const oldest = WebhookDelivery.query(db)
      .select("webhook_deliveries.id")
      .join("webhook_subscriptions", "webhook_subscriptions.id", "webhook_deliveries.subscription_id")
      .where("webhook_deliveries.at", "<", raw("now() - make_interval(days => ?::int)", [retentionDays]))
      .where("webhook_deliveries.event_id", "<=", ref("webhook_subscriptions.delivered_through"))
      .orderBy("webhook_deliveries.at")
      .limit(batch);
    // Raw: `= any(array(…))` makes the delete itself probe the primary key for the batch's
    // ids; with `in (…)` the planner may hash-join them against a scan of the whole table.
    return WebhookDelivery.query(db)
      .delete()
      .where(raw("webhook_deliveries.id = any(array(?))", [oldest.toKnexQuery()]));
  }
}
