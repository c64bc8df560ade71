import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import knexFactory, { type Knex } from "knex";
import { knexSnakeCaseMappers } from "objection";
import { migrationSource } from "./migrations/index.ts";
import { PGliteClient } from "./pglite-client.ts";

export type Database = Knex;
export type DatabaseKind = "pglite" | "postgres";

export type DatabaseOptions =
  /** PostgreSQL through `pg`. */
  | { kind: "postgres"; url: string; poolMax?: number; statementTimeoutMs?: number }
  /** Embedded PGlite: a data directory, `memory://`, or a prepared instance (tests). */
  | { kind: "pglite"; dir: string }
  | { kind: "pglite"; instance: PGlite };

const kinds = new WeakMap<Knex, DatabaseKind>();

/** The dialect a knex instance was created for by {@link createDatabase}. */
export function databaseKind(db: Knex): DatabaseKind {
  return kinds.get(db) ?? "postgres";
}

/**
 * One knex instance for either database. Model properties are camelCase and columns
 * snake_case; the mappers translate both ways. Call `db.destroy()` to release everything.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const common: Knex.Config = {
    ...knexSnakeCaseMappers(),
    migrations: { migrationSource, tableName: "knex_migrations" },
    // A request waiting this long for a connection gets an error, not an endless wait.
    acquireConnectionTimeout: 10_000,
  };
  let db: Knex;
  if (options.kind === "postgres") {
    db = knexFactory({
      ...common,
      client: "pg",
      connection: {
        connectionString: options.url,
        connectionTimeoutMillis: 5_000,
        statement_timeout: options.statementTimeoutMs ?? 15_000,
        application_name: "registrar",
      },
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  } else {
    const instance = "instance" in options ? options.instance : new PGlite(preparePgliteDir(options.dir));
    db = knexFactory({
      ...common,
      client: PGliteClient as unknown as typeof Knex.Client,
      // knex-pglite accepts a prepared instance through a connection function; knex's
      // types do not know that shape.
      connection: (() => ({ pglite: instance })) as unknown as Knex.ConnectionConfigProvider,
    });
  }
  kinds.set(db, options.kind);
  return db;
}

function preparePgliteDir(dir: string): string | undefined {
  if (dir === "memory://") return undefined;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs every pending migration; resolves to the names it applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
