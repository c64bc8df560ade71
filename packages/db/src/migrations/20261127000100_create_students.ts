import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("students", (table) => {
    table.increments("id").primary();
    table.text("name").notNullable();
    table.text("email").notNullable();
    table.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Ada@X.org and ada@x.org are the same student: uniqueness is on the lowered address.
  await knex.raw("create unique index students_email_lower_unique on students (lower(email))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("students");
}
