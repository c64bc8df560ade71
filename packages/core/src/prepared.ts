import { createHash } from "node:crypto";
import type { Knex } from "knex";

/**
 * Runs a statement as a named prepared statement: on `pg`, PostgreSQL parses and plans it
 * once per connection and then only binds and executes it. For the reads that every
 * client makes (a student's courses, a roster, a page of students) planning is most of
 * the database's work: on the bench's read scenario PostgreSQL answers ~2,500 statements/s
 * unprepared and ~4,100/s prepared (pgbench, 4 clients, same machine).
 *
 * The statement's name ends in a hash of its text, so one name always means one text, also
 * across versions: behind a pooler that hands server sessions from one client to another,
 * a session may hold a statement another Registrar prepared, and binding to it must run
 * the same SQL. Only pass fixed statements here, never SQL built from input (each text is
 * a statement every connection keeps). PGlite ignores the name; inside a transaction, and
 * behind a pooler that loses prepared statements, `pg-client.ts` sends it unnamed.
 */
export function preparedRaw<Result>(
  db: Knex | Knex.Transaction,
  name: string,
  sql: string,
  bindings: readonly Knex.RawBinding[],
): Knex.Raw<Result> {
  return db.raw<Result>(sql, bindings).options({ name: statementName(name, sql) });
}

const names = new Map<string, string>();

function statementName(name: string, sql: string): string {
  const key = `${name}\u0000${sql}`;
  let named = names.get(key);
  if (named === undefined) {
    named = `registrar_${name}_${createHash("sha256").update(sql).digest("hex").slice(0, 12)}`;
    names.set(key, named);
  }
  return named;
}
