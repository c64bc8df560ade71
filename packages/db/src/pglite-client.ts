import type { PGlite } from "@electric-sql/pglite";
import ClientPGLite from "knex-pglite";
import type { DataDirLock } from "./data-dir-lock.ts";
import { pgliteParsers } from "./timestamps.ts";

type QueryObject = {
  method?: string;
  /** handed to `PGlite.query` as its options */
  options?: Record<string, unknown>;
  returning?: unknown;
  response?: { affectedRows?: number };
};

const parserOptions = { parsers: pgliteParsers };

/**
 * `dataDirLock` (from createDatabase's config) is released on `destroy()`, once PGlite has
 * closed: another process may open the directory only after the last write of this one.
 *
 * Every statement reads timestamps as the API's ISO strings, as on `pg` (timestamps.ts),
 * whichever PGlite instance the client was given.
 *
 * knex-pglite reports `command: "DEL"` for deletes, which knex's postgres client does not
 * recognise, so `.del()` resolved to the raw result instead of the row count. Deleting
 * without `returning` must resolve to the number of rows removed, as it does on `pg`.
 */
export class PGliteClient extends (ClientPGLite as unknown as new (
  config: object,
) => {
  config: { dataDirLock?: DataDirLock };
  pglite?: PGlite;
  processResponse(obj: QueryObject, runner: unknown): unknown;
  _query(connection: unknown, obj: QueryObject): Promise<unknown>;
  destroy(callback?: (error?: unknown) => void): Promise<void>;
  acquireConnection(): Promise<unknown>;
}) {
  /**
   * The pool's acquire timeout bounds a wait for the one connection, but the first acquire
   * also waited for PGlite itself to start (WASM, the cluster, the extensions), which on a
   * loaded machine outlasted it: `pnpm start` died in its migrations with "Timeout acquiring
   * a connection". Starting the database is not waiting for a connection, so that wait
   * comes first and is not bounded here (PGlite fails it if it cannot start).
   */
  override async acquireConnection(): Promise<unknown> {
    await this.pglite?.waitReady;
    return super.acquireConnection();
  }

  override async destroy(callback?: (error?: unknown) => void): Promise<void> {
    try {
      await super.destroy();
      // The pool closes PGlite only if it ever opened a connection.
      if (this.pglite && !this.pglite.closed) await this.pglite.close();
    } catch (error) {
      if (callback) return callback(error);
      throw error;
    } finally {
      this.config.dataDirLock?.release();
    }
    callback?.();
  }

  override _query(connection: unknown, obj: QueryObject): Promise<unknown> {
    obj.options = obj.options ? { ...obj.options, ...parserOptions } : parserOptions;
    return super._query(connection, obj);
  }

  override processResponse(obj: QueryObject, runner: unknown): unknown {
    if (obj.method === "del" && !obj.returning) {
      return obj.response?.affectedRows ?? 0;
    }
    return super.processResponse(obj, runner);
  }
}
