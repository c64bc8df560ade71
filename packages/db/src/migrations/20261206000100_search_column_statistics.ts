import type { Knex } from "knex";

/**
 * Ten times PostgreSQL's default statistics (1,000 histogram bounds instead of 100) on the
 * columns `?q=` searches: students' name and email, courses' name and code.
 *
 * Why: the planner estimates `column ILIKE '%q%'` by matching the pattern against the
 * column's histogram bounds, so a pattern found in one bound of 100 is estimated to match
 * 1% of the rows. An exact email is such a pattern whenever that student's email is a
 * bound: at 100,000 students the planner then expected 1,020 matches, walked the primary
 * key to fill a page of 51, and read the whole table for the one row there was (340-465 ms,
 * measured in search-index.test.ts) instead of asking the trigram indexes (~8 ms). With
 * 1,000 bounds one matching bound is 0.1%, where reading the table in id order no longer
 * looks cheaper than the indexes. The cost is an ANALYZE that samples 300,000 rows of
 * these tables instead of 30,000.
 */
const searchedColumns = [
  ["students", "name"],
  ["students", "email"],
  ["courses", "name"],
  ["courses", "code"],
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of searchedColumns) {
    await knex.raw("alter table ?? alter column ?? set statistics 1000", [table, column]);
  }
  // a database that already holds rows plans with the finer histograms from now on
  await knex.raw("analyze students, courses");
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, column] of searchedColumns) {
    await knex.raw("alter table ?? alter column ?? set statistics -1", [table, column]);
  }
}
