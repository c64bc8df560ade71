import type { Knex } from "knex";

// Only creates the join table: existing students and courses are not touched.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("student_courses", (table) => {
    table.integer("student_id").notNullable().references("id").inTable("students").onDelete("CASCADE");
    table.integer("course_id").notNullable().references("id").inTable("courses").onDelete("CASCADE");
    table.timestamp("enrolled_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(["student_id", "course_id"], { constraintName: "student_courses_pkey" });
    // The primary key serves a student's course list; rosters need the reverse order.
    table.index(["course_id", "student_id"], "student_courses_course_id_student_id_index");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("student_courses");
}
