import type { Knex } from "knex";

/**
 * API keys. Only a SHA-256 of each key's secret is stored: keys are 32 random bytes, so a
 * fast hash is enough (nothing to brute-force), and a stolen table grants nothing.
 * A student key is bound to one student and goes away with it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("api_keys", (table) => {
    table.increments("id").primary({ constraintName: "api_keys_pkey" });
    table.text("name");
    table.text("role").notNullable();
    table.integer("student_id").references("id").inTable("students").onDelete("CASCADE");
    table.text("secret_hash").notNullable();
    table.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp("revoked_at", { useTz: true });
    table.timestamp("last_used_at", { useTz: true });
    table.index(["student_id"], "api_keys_student_id_index");
  });
  await knex.raw(
    `alter table api_keys
       add constraint api_keys_role_check check (role in ('admin', 'registrar', 'reader', 'student')),
       add constraint api_keys_student_binding_check check ((role = 'student') = (student_id is not null))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("api_keys");
}
