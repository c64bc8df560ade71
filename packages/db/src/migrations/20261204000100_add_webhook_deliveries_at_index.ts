import type { Knex } from "knex";

/**
 * The retention of webhook deliveries: attempts older than `EVENTS_RETENTION_DAYS` whose
 * event the subscription is done with are deleted by the events' sweep
 * (WebhookDelivery.sweep), oldest first, a bounded batch a statement. This index makes
 * each batch a range scan from the oldest `at` that stops after the batch, whatever the
 * table's size; without it every batch would read the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index webhook_deliveries_at_index on webhook_deliveries (at)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index webhook_deliveries_at_index");
}
