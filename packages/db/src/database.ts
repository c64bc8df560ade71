import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import knexFactory, { type Knex } from "knex";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import { DurableNodeFS, durableStartParams } from "./durable-nodefs.ts";
import { migrationSource } from "./migrations/index.ts";
import { PgClient } from "./pg-client.ts";
import { PGliteClient } from "./pglite-client.ts";
import { createClusterInChild, needsCluster, PGLITE_SHARED_BUFFERS } from "./pglite-cluster.ts";
import { pgTypes } from "./timestamps.ts";

export type Database = Knex;

/**
 * The PostgreSQL extensions the migrations create (pg_trgm: the search indexes, migration
 * 20261201000300). PGlite ships them as modules that each instance must load: a data
 * directory whose tables have a trigram index cannot be written by an instance without it
 * ("could not access file pg_trgm"). Every PGlite this package opens passes these.
 */
export const pgliteExtensions = { pg_trgm } as const;
export type DatabaseKind = "pglite" | "postgres";

export type DatabaseOptions =
  /** PostgreSQL through `pg`. */
  (
    | ({
        kind: "postgres";
        url: string;
        poolMax?: number;
        /**
         * Named prepared statements for the hot reads (default true). Turn off behind a
         * transaction-mode PgBouncer that does not track them (before 1.21, or
         * `max_prepared_statements = 0`); left on there, the client turns them off itself
         * at the first lost statement, with one warning (`pg-client.ts`).
         */
        preparedStatements?: boolean;
      } & PostgresTimeouts)
    /**
     * Embedded PGlite: a data directory, `memory://`, or a prepared instance (tests). A
     * directory is locked for this process until `db.destroy()` (or exit): a second opener,
     * here or in another process, gets `DataDirInUseError` naming the holder.
     */
    | ({
        kind: "pglite";
        dir: string;
        /**
         * A directory with no cluster yet gets one in a short-lived child process (initdb);
         * with this, that child also runs every migration, so the memory they grow leaves
         * with it (pglite-cluster.ts). The first `migrateToLatest` then reports what it applied.
         */
        migrateNewCluster?: boolean;
      } & PgliteTimeouts)
    | ({ kind: "pglite"; instance: PGlite } & PgliteTimeouts)
  ) & {
    /**
     * Where knex's own warnings go (a connection lost, an acquire that failed); by default
     * knex writes them to the console, which would break a JSON log stream.
     */
    log?: DatabaseLog;
    /**
     * What this process is ("registrar server", "db seed"), for the message another opener of
     * the same PGlite directory gets. Ignored elsewhere.
     */
    owner?: string;
    /**
     * A socket path (owner-channel.ts) recorded in a PGlite directory's lock, where this
     * process will take commands from others while it holds the directory. Ignored elsewhere.
     */
    ownerChannel?: string;
  };

/** PGlite has one connection; a statement waits this long for it (default 10 s). */
type PgliteTimeouts = { acquireTimeoutMs?: number };

export type DatabaseLog = { warn(message: string): void; error(message: string): void };

/**
 * Every wait on PostgreSQL is bounded, so a request fails (503) instead of hanging when the
 * database is slow or gone. All in milliseconds.
 */
export type PostgresTimeouts = {
  /** Opening a connection, TCP and startup included. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Server-side cap on one statement, sent as the `statement_timeout` startup parameter,
   * and on a transaction left idle (`idle_in_transaction_session_timeout`): our transactions
   * never pause between statements, so an idle one means its client is gone (a network
   * partition), and ending it frees the rows it locked. Default 15 s; 0 sends neither
   * (behind PgBouncer, set them on the role instead).
   */
  statementTimeoutMs?: number;
  /**
   * Client-side cap on one query, for when the server cannot even cancel it (the network
   * is gone). Default: the statement timeout plus 5 s, or 20 s when that is 0.
   */
  queryTimeoutMs?: number;
  /** Waiting for a free connection from the pool. Default 10 s. */
  acquireTimeoutMs?: number;
};

export const defaultPostgresTimeouts = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  acquireTimeoutMs: 10_000,
} as const;

/** The timeouts in force for `options`, defaults filled in. */
export function resolvePostgresTimeouts(options: PostgresTimeouts): Required<PostgresTimeouts> {
  const statementTimeoutMs = options.statementTimeoutMs ?? defaultPostgresTimeouts.statementTimeoutMs;
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? defaultPostgresTimeouts.connectTimeoutMs,
    statementTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? (statementTimeoutMs > 0 ? statementTimeoutMs + 5_000 : 20_000),
    acquireTimeoutMs: options.acquireTimeoutMs ?? defaultPostgresTimeouts.acquireTimeoutMs,
  };
}

/**
 * One knex instance for either database; knex speaks columns as they are (snake_case), the
 * models map them to camelCase properties (models/RegistrarModel.ts). Call `db.destroy()`
 * to release everything.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const common: Knex.Config = {
    migrations: { migrationSource, tableName: "knex_migrations" },
    // A request waiting this long for a connection gets an error, not an endless wait.
    acquireConnectionTimeout: defaultPostgresTimeouts.acquireTimeoutMs,
    ...(options.log
      ? {
          log: {
            warn: (message: string) => options.log?.warn(message),
            error: (message: string) => options.log?.error(message),
            deprecate: (message: string) => options.log?.warn(message),
            debug: () => {},
          },
        }
      : {}),
  };
  let db: Knex;
  if (options.kind === "postgres") {
    const timeouts = resolvePostgresTimeouts(options);
    db = knexFactory({
      ...common,
      acquireConnectionTimeout: timeouts.acquireTimeoutMs,
      client: PgClient as unknown as typeof Knex.Client,
      // read by PgClient; knex passes its config through
      ...({ preparedStatements: options.preparedStatements ?? true } as object),
      // Only startup parameters and plain statements: no session state (SET, session-level
      // advisory locks, LISTEN, temporary tables), so PgBouncer in transaction mode is safe
      // (the migration lock is transaction-level, see migrate.ts); the one exception,
      // named prepared statements for hot reads, can be turned off (`preparedStatements`),
      // and turns itself off when a pooler loses them.
      connection: {
        connectionString: options.url,
        connectionTimeoutMillis: timeouts.connectTimeoutMs,
        ...(timeouts.statementTimeoutMs > 0
          ? {
              statement_timeout: timeouts.statementTimeoutMs,
              idle_in_transaction_session_timeout: timeouts.statementTimeoutMs,
            }
          : {}),
        query_timeout: timeouts.queryTimeoutMs,
        // Notices a peer that vanished without closing (a network partition) on idle connections.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        application_name: "registrar",
        // timestamps arrive as the API's ISO strings (see timestamps.ts)
        types: pgTypes,
      },
      // min 0: after an outage the pool holds no dead connections to wade through; each
      // request opens what it needs, so recovery is as fast as the first successful connect.
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  } else {
    const { instance, lock, applied } =
      "instance" in options ? { instance: options.instance } : openPglite(options);
    db = knexFactory({
      ...common,
      acquireConnectionTimeout: options.acquireTimeoutMs ?? defaultPostgresTimeouts.acquireTimeoutMs,
      client: PGliteClient as unknown as typeof Knex.Client,
      // read by PGliteClient, which releases it once PGlite has closed
      ...({ dataDirLock: lock } as object),
      // knex-pglite accepts a prepared instance through a connection function; knex's
      // types do not know that shape.
      connection: (() => ({ pglite: instance })) as unknown as Knex.ConnectionConfigProvider,
    });
    if (applied) appliedAtCreation.set(db, applied);
  }
  return db;
}

/** The migrations the child that created a directory's cluster applied (createClusterInChild). */
const appliedAtCreation = new WeakMap<Database, string[]>();

/** What the cluster's creation applied for `db`, once: `migrateToLatest` reports it as its own. */
export function takeAppliedAtCreation(db: Database): string[] {
  const applied = appliedAtCreation.get(db) ?? [];
  appliedAtCreation.delete(db);
  return applied;
}

/**
 * Which database `db` talks to. The embedded one has a single connection: work that would
 * hold a connection for long (a snapshot across many statements) blocks every other request
 * there, so such work asks first.
 */
export function databaseKindOf(db: Database): DatabaseKind {
  return db.client instanceof PGliteClient ? "pglite" : "postgres";
}

const pgliteMemoryParams = ["-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

/**
 * PostgreSQL's start parameters for a PGlite directory (durable commits, the smaller shared
 * buffers). Exported so `pnpm bench` can open a directory as the server does, without it.
 */
export const embeddedStartParams: readonly string[] = [...durableStartParams, ...pgliteMemoryParams];

/**
 * PostgreSQL's start parameters for an in-memory PGlite (`memory://`, and the tests' own
 * databases): PGlite's defaults (fsync off is right there) with the smaller shared buffers.
 */
export const inMemoryStartParams: readonly string[] = [...PGlite.defaultStartParams, ...pgliteMemoryParams];

/**
 * In memory: {@link inMemoryStartParams}. A directory: locked first, then opened with
 * durable commits (durable-nodefs.ts).
 */
function openPglite(options: {
  dir: string;
  owner?: string;
  ownerChannel?: string;
  migrateNewCluster?: boolean;
}): {
  instance: PGlite;
  lock?: DataDirLock;
  applied?: string[];
} {
  if (options.dir === "memory://") {
    return {
      instance: new PGlite({
        extensions: pgliteExtensions,
        startParams: [...inMemoryStartParams],
      }),
    };
  }
  mkdirSync(options.dir, { recursive: true });
  const lock = lockDataDir(options.dir, options.owner ?? "registrar", {
    ...(options.ownerChannel ? { channel: options.ownerChannel } : {}),
  });
  try {
    const applied = needsCluster(options.dir)
      ? createClusterInChild(options.dir, { migrate: options.migrateNewCluster === true })
      : undefined;
    const instance = new PGlite({
      dataDir: options.dir,
      extensions: pgliteExtensions,
      fs: new DurableNodeFS(options.dir),
      startParams: [...embeddedStartParams],
    });
    return { instance, lock, ...(applied ? { applied } : {}) };
  } catch (error) {
    lock.release();
    throw error;
  }
}
