/// <reference path="./knex-dialects.d.ts" />
import ClientPGModule from "knex/lib/dialects/postgres/index.js";

/** The part of a `pg` client connection this file touches. */
type PgConnection = {
  __knex__disposed?: unknown;
  connection?: { stream?: { destroy(): void } };
};

/** tarn's pool, as knex holds it: `free` are the idle connections. */
type ConnectionPool = { free?: Array<{ resource: PgConnection }> };

type KnexPgDialect = new (
  config: object,
) => {
  config: { preparedStatements?: boolean };
  pool: ConnectionPool | undefined;
  _query(connection: PgConnection, obj: object): Promise<unknown>;
};

// knex ships its dialects as CommonJS without type declarations (see knex-dialects.d.ts).
// A static import, so that a bundle (pnpm start) holds one copy of knex, not two.
const ClientPG = ClientPGModule as KnexPgDialect;

/** What knex hands a dialect: `options.name` makes pg use a named prepared statement. */
type QueryObject = { options?: { name?: string } };

/**
 * The query without its prepared-statement name: a named statement lives in one server
 * session, which a transaction-mode PgBouncer before 1.21 (or with `max_prepared_statements
 * = 0`) does not keep for a client between transactions.
 */
function unnamed(obj: QueryObject): QueryObject {
  if (obj.options?.name === undefined) return obj;
  const { name: _name, ...options } = obj.options;
  return { ...obj, options };
}

/** pg's message when its client-side `query_timeout` fires. */
export const QUERY_READ_TIMEOUT_MESSAGE = "Query read timeout";

/**
 * knex's PostgreSQL client, with one fix for network partitions. When pg's client-side
 * `query_timeout` fires, pg fails the query but keeps the connection, still waiting for an
 * answer that may never come; knex would then hand that connection to the next request,
 * which would wait behind it. Here such a connection is marked disposed (the pool discards
 * it instead of reusing it) and its socket is dropped, so the pool opens a fresh one.
 * The idle connections went over the same network, so they are discarded too: otherwise
 * each of them would cost one more request a full query timeout once the network is back.
 */
export class PgClient extends ClientPG {
  override async _query(connection: PgConnection, obj: QueryObject): Promise<unknown> {
    try {
      return await super._query(connection, this.config.preparedStatements === false ? unnamed(obj) : obj);
    } catch (error) {
      if (error instanceof Error && error.message === QUERY_READ_TIMEOUT_MESSAGE) {
        connection.__knex__disposed = error;
        connection.connection?.stream?.destroy();
        for (const idle of this.pool?.free ?? []) {
          idle.resource.__knex__disposed = error;
          idle.resource.connection?.stream?.destroy();
        }
      }
      throw error;
    }
  }
}
