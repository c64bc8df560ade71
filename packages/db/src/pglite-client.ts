import ClientPGLite from "knex-pglite";

type QueryObject = {
  method?: string;
  returning?: unknown;
  response?: { affectedRows?: number };
};

/**
 * knex-pglite reports `command: "DEL"` for deletes, which knex's postgres client does not
 * recognise, so `.del()` resolved to the raw result instead of the row count. Deleting
 * without `returning` must resolve to the number of rows removed, as it does on `pg`.
 */
export class PGliteClient extends (ClientPGLite as unknown as new (
  config: object,
) => {
  processResponse(obj: QueryObject, runner: unknown): unknown;
}) {
  override processResponse(obj: QueryObject, runner: unknown): unknown {
    if (obj.method === "del" && !obj.returning) {
      return obj.response?.affectedRows ?? 0;
    }
    return super.processResponse(obj, runner);
  }
}
