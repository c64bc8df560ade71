import ClientPGLite from "knex-pglite";
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
  processResponse(obj: QueryObject, runner: unknown): unknown;
  _query(connection: unknown, obj: QueryObject): Promise<unknown>;
}) {
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
