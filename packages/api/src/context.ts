import type { Database } from "@registrar/db";

/** What every procedure receives; the server builds one per request. */
export type Context = {
  db: Database;
};
