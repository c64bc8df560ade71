import type { Knex } from "knex";

/**
 * OAuth 2 access tokens of the OneRoster view (contract v1.1, "OneRoster 1.2"): issued by
 * `POST /ims/oneroster/oauth/token` to an API key's client credentials. Only the SHA-256 of
 * a token is stored (tokens are 32 random bytes: nothing to brute-force), so a stolen table
 * grants nothing, and any replica verifies a token another one issued. A token is the key's
 * for its lifetime: revoking the key kills it (the lookup joins the key and asks that it is
 * not revoked), and deleting the key deletes its tokens (ON DELETE CASCADE). Expired rows
 * are swept by the issuer, under the expiry index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table oauth_access_tokens (
      token_hash text primary key,
      api_key_id integer not null
        constraint oauth_access_tokens_api_key_id_fkey references api_keys (id) on delete cascade,
      scope text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      constraint oauth_access_tokens_expiry_check check (expires_at > created_at)
    )`);
  await knex.raw("create index oauth_access_tokens_api_key_id_index on oauth_access_tokens (api_key_id)");
  await knex.raw("create index oauth_access_tokens_expires_at_index on oauth_access_tokens (expires_at)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table oauth_access_tokens");
}
