import type { Knex } from "knex";
import { raw } from "objection";
import { RegistrarModel } from "./RegistrarModel.ts";

/**
 * One event of the outbox (`events`, migration 20261203000100): written only by the
 * database's triggers, in the transaction of the change it records, and read by the feed
 * (`GET /events`) and the webhooks.
 *
 * Why feed ids are assigned by a relay (the design, also in docs/api.md "Events"): a
 * writer's transaction cannot take its event's feed id itself. Any counter it takes
 * (an identity, a sequence) is taken before it commits, so a transaction that took 7 may
 * commit after another one's 8 was already read by a consumer, who then asks `after=8`
 * and never sees 7. So the triggers record rows with `id` null (their `recorded_id` is only
 * the order of recording) and {@link Event.assignIds} (`assign_event_ids()`) gives ids
 * later, to rows already committed, in recorded order, under one advisory lock, in one
 * statement whose snapshot is taken after the lock. Each run's ids are above every id an
 * earlier run gave and become visible at once, at its commit, while it still holds the
 * lock; a row that commits after a run's snapshot gets its id in a later run, above them
 * all. So the ids a reader sees are always every id up to some point (less what retention
 * removed): asking `after=<last id seen>` can never skip an event nor see one twice.
 *
 * Who runs the relay: `GET /events` before it reads (one indexed `exists` when nothing is
 * pending), and a background loop on every replica (apps/server/src/events), so webhooks
 * see events without anyone reading the feed. Replicas racing for it only queue on the
 * lock; a run that finds nothing left assigns nothing.
 */
/** A feed row as {@link Event.page} reads it. */
export type EventRow = { id: string; type: string; occurredAt: string; data: Record<string, unknown> };

export class Event extends RegistrarModel {
  static override tableName = "events";
  static override idColumn = "recorded_id";

  /** the order of recording (internal: not the feed's order) */
  recordedId!: string;
  /** the feed position, a decimal string; null until the relay assigns it */
  id!: string | null;
  type!: string;
  /** ISO-8601 (timestamps.ts): the time of the transaction that made the change */
  occurredAt!: string;
  /** the resource after the change in its REST shape (snake_case), `{ id }` when deleted */
  data!: Record<string, unknown>;

  /**
   * Runs the relay once: gives at most `batch` committed events without an id theirs and
   * resolves to how many it gave. Must not run inside a transaction of the caller's (the
   * function holds the relay's lock until its transaction commits, and its snapshot must
   * be its own): `db` is the pool, and the call is one autocommitted statement.
   *
   * Raw SQL because it calls a database function (the relay must be one statement under
   * the lock, which only PL/pgSQL gives a fresh snapshot after taking it).
   */
  static async assignIds(db: Knex, batch: number): Promise<number> {
    const result = await db.raw<{ rows: Array<{ assigned: number }> }>(
      "select assign_event_ids(?::int) as assigned",
      [batch],
    );
    return result.rows[0]?.assigned ?? 0;
  }

  /**
   * A page of the feed: events with an id above `after`, ascending, at most `limit`, of the
   * types named exactly in `types` or of a resource in `resources` (both empty: every
   * type). The id goes out as text (a bigint; a JSON number could lose digits).
   */
  static async page(
    db: Knex,
    window: { after: string; limit: number; types: readonly string[]; resources: readonly string[] },
  ): Promise<EventRow[]> {
    const query = Event.query(db)
      .select(raw("events.id::text as id"), "events.type", "events.occurred_at as occurredAt", "events.data")
      .where("events.id", ">", raw("?::bigint", [window.after]))
      .orderBy("events.id")
      .limit(window.limit);
    if (window.types.length > 0 || window.resources.length > 0) {
      // Raw: `= any(array)` keeps one statement for any number of types (RegistrarModel.isAnyOf).
      query.where((filter) =>
        filter
          .where(raw("events.type = any(?::text[])", [window.types as string[]]))
          .orWhere(raw("split_part(events.type, '.', 1) = any(?::text[])", [window.resources as string[]])),
      );
    }
    // plain rows, no model instances (RegistrarModel.columnsAs)
    return (await query.toKnexQuery()) as EventRow[];
  }

  /**
   * Deletes at most `batch` events older than `retentionDays` days (ones that already have
   * a feed id: the relay has not seen the others yet), oldest first; resolves to how many.
   * One indexed range (`events_occurred_at_index`) a batch, so a sweep never holds many
   * row locks or one long statement.
   */
  static async sweep(db: Knex, retentionDays: number, batch: number): Promise<number> {
    const oldest = Event.query(db)
      .select("events.recorded_id")
      .where("events.occurred_at", "<", raw("now() - make_interval(days => ?::int)", [retentionDays]))
      .whereNotNull("events.id")
      .orderBy("events.occurred_at")
      .limit(batch);
    // Raw: `= any(array(…))` makes the delete itself probe the primary key for the batch's
    // ids; with `in (…)` the planner may hash-join them against a scan of the whole table
    // (measured on webhook_deliveries, the same shape: 36 ms a batch of 1,000 against 3 ms).
    return Event.query(db)
      .delete()
      .where(raw("events.recorded_id = any(array(?))", [oldest.toKnexQuery()]));
  }
}
