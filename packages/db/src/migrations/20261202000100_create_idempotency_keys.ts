import type { Knex } from "knex";

/**
 * `idempotency_keys`: the answers kept for requests sent with an `Idempotency-Key`
 * (contract v1.1, "Safe retries"). A row is written in the transaction of the change it
 * answers, so a change never commits without its kept answer, nor the reverse.
 *
 * - `(scope, key)` is the primary key: a key belongs to one API key (`k<id>`) or to the
 *   anonymous callers as one scope (`anonymous`).
 * - `fingerprint` is the SHA-256 of the method, the path with its query and the body, so
 *   the same key with another request is told apart (422).
 * - `created_at` is indexed for the sweep, which deletes expired rows in small batches.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table idempotency_keys (
      scope text not null,
      key text not null,
      fingerprint text not null,
      status integer not null,
      location text,
      etag text,
      content_type text,
      body text,
      created_at timestamptz not null default now(),
      primary key (scope, key)
    )`);
  await knex.raw("create index idempotency_keys_created_at on idempotency_keys (created_at)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table idempotency_keys");
}
