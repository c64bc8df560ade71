import type { Knex } from "knex";
import { type Raw, type RelationMappings, raw } from "objection";
import { Course } from "./Course.ts";
import { RegistrarModel, type SortKey } from "./RegistrarModel.ts";
import { StudentCourse } from "./StudentCourse.ts";

export class Student extends RegistrarModel {
  static override tableName = "students";

  id!: number;
  name!: string;
  email!: string;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  updatedAt!: string;
  /** an external system's id (OneRoster `sourcedId`), unique when set */
  sourcedId!: string | null;

  /** Through student_courses, each with its enrollment's `enrolledAt`. */
  courses?: Array<Course & { enrolledAt: string }>;
  enrollments?: StudentCourse[];

  /**
   * `version`: the version of the student's enrollment set, which the database bumps with
   * every change to the student's `student_courses` rows (migration 20261202000200); 0
   * before the first. Raw SQL because it is a correlated scalar subquery with a fallback,
   * which Objection's select cannot express as a column.
   */
  static enrollmentSetVersion(): Raw {
    return raw(
      "coalesce((select version from student_enrollment_versions where student_id = students.id), 0)::text as version",
    );
  }

  /**
   * The orders `GET /students?sort=` offers (id is the default and needs none): names and
   * emails case-insensitively, as people read a list. Each has its `(key, id)` index.
   */
  static sortKeys = {
    name: { expression: "lower(students.name)", type: "text" },
    email: { expression: "lower(students.email)", type: "text" },
    createdAt: { expression: "students.created_at", type: "timestamptz" },
    id: { expression: "students.id", type: "integer" },
  } as const satisfies Record<string, SortKey>;

  static override relationMappings = (): RelationMappings => ({
    courses: {
      relation: RegistrarModel.ManyToManyRelation,
      modelClass: Course,
      join: {
        from: "students.id",
        through: {
          modelClass: StudentCourse,
          from: "student_courses.student_id",
          to: "student_courses.course_id",
          extra: ["enrolled_at"],
        },
        to: "courses.id",
      },
    },
    enrollments: {
      relation: RegistrarModel.HasManyRelation,
      modelClass: StudentCourse,
      join: { from: "students.id", to: "student_courses.student_id" },
    },
  });

  // ---- OneRoster import (packages/core/src/oneroster): set-based, one statement for any number of rows.
  // Raw SQL because each is one statement over a JSON array of rows (`jsonb_to_recordset`) or
  // array parameters: Objection would build a statement per row, or a VALUES list whose size
  // (and text) changes with every package, and cannot express `IS DISTINCT FROM` guards.

  /**
   * Locks (FOR NO KEY UPDATE, ascending id: the first step of the writers' lock order) and
   * reads the students a package names by `sourcedId` or by email.
   */
  static async lockForImport(
    db: Knex,
    p: { sourcedIds: string[]; emails: string[] },
  ): Promise<Array<{ id: number; name: string; email: string; sourcedId: string | null }>> {
    const result = await db.raw<{
      rows: Array<{ id: number; name: string; email: string; sourcedId: string | null }>;
    }>(
      `select id, name, email, sourced_id as "sourcedId" from students
       where sourced_id = any(?::text[]) or lower(email) = any(?::text[])
       order by id for no key update`,
      [p.sourcedIds, p.emails.map((email) => email.toLowerCase())],
    );
    return result.rows;
  }

  /** Inserts new students; answers their ids by `sourcedId`. */
  static async insertForImport(
    db: Knex,
    rows: Array<{ name: string; email: string; sourcedId: string }>,
  ): Promise<Array<{ id: number; sourcedId: string }>> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number; sourcedId: string }> }>(
      `insert into students (name, email, sourced_id)
       select t.name, t.email, t."sourcedId" from jsonb_to_recordset(?::jsonb) as t(name text, email text, "sourcedId" text)
       returning id, sourced_id as "sourcedId"`,
      [JSON.stringify(rows)],
    );
    return result.rows;
  }

  /** Updates students whose values differ; a row that would not change is not touched (no event). */
  static async updateForImport(
    db: Knex,
    rows: Array<{ id: number; name: string; email: string; sourcedId: string }>,
  ): Promise<number[]> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number }> }>(
      `update students s set name = t.name, email = t.email, sourced_id = t."sourcedId", updated_at = now()
       from jsonb_to_recordset(?::jsonb) as t(id int, name text, email text, "sourcedId" text)
       where s.id = t.id and (s.name, s.email, s.sourced_id) is distinct from (t.name, t.email, t."sourcedId")
       returning s.id`,
      [JSON.stringify(rows)],
    );
    return result.rows.map((row) => row.id);
  }
}
