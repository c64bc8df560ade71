/// <reference path="./knex-dialects.d.ts" />
import ClientPGModule from "knex/lib/dialects/postgres/index.js";

/** The part of a `pg` client connection this file touches. */
type PgConnection = {
  __knex__disposed?: unknown;
  /** Set by knex while the connection runs a transaction. */
  __knexTxId?: string;
  connection?: { stream?: { destroy(): void } };
};

/** tarn's pool, as knex holds it: `free` are the idle connections. */
type ConnectionPool = { free?: Array<{ resource: PgConnection }> };

type KnexPgDialect = new (
  config: object,
) => {
  config: { preparedStatements?: boolean };
  pool: ConnectionPool | undefined;
  logger: { warn(message: string): void };
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

/**
 * What PostgreSQL answers when a named statement is not where the client left it: "already
 * exists" (42P05) to the Parse of a name this session already has, "does not exist" (26000)
 * to the Bind of a name it lacks. Behind a transaction-mode pooler that does not track
 * prepared statements each transaction may land on another server session, so both come
 * up at random. Either fails before anything executes (PostgreSQL skips the rest of the
 * message sequence up to Sync), so the query can be sent again.
 */
const PREPARED_STATEMENT_LOST = new Set(["42P05", "26000"]);

function isPreparedStatementLost(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    PREPARED_STATEMENT_LOST.has(error.code)
  );
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
 *
 * And one for poolers: the first time a named statement is found lost (a transaction-mode
 * PgBouncer before 1.21, or with `max_prepared_statements = 0`), this client stops
 * preparing for good, says so once in the log, and sends the failed query again unnamed,
 * so the caller never sees the error. Named statements are never sent inside a
 * transaction: a failure there would abort the transaction, and could not be retried.
 */
export class PgClient extends ClientPG {
  override async _query(connection: PgConnection, obj: QueryObject): Promise<unknown> {
    try {
      return await this.sendPossiblyPrepared(connection, obj);
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

  // Not a #private method: knex derives its transaction clients with Object.create, which
  // carry no private brand.
  private async sendPossiblyPrepared(connection: PgConnection, obj: QueryObject): Promise<unknown> {
    if (obj.options?.name === undefined) return super._query(connection, obj);
    if (!this.preparing() || connection.__knexTxId !== undefined) {
      return super._query(connection, unnamed(obj));
    }
    try {
      return await super._query(connection, obj);
    } catch (error) {
      if (!isPreparedStatementLost(error)) throw error;
      // Concurrent queries may all fail before the first turns preparing off: one warning.
      if (this.preparing()) {
        // config is shared with the transaction clients knex derives from this one
        this.config.preparedStatements = false;
        this.logger.warn(
          `prepared statements turned off after PostgreSQL answered '${error.message}' (SQLSTATE ${error.code}): ` +
            "a connection pooler in transaction mode that does not track them (PgBouncer before 1.21, or " +
            "max_prepared_statements = 0) is in front of it. Every query is now sent unnamed; set " +
            "DATABASE_PREPARED_STATEMENTS=off to start that way.",
        );
      }
      return super._query(connection, unnamed(obj));
    }
  }

  private preparing(): boolean {
    return this.config.preparedStatements !== false;
  }
}
