import type { Knex } from "knex";
import type { RelationMappings } from "objection";
import { RegistrarModel, type SortKey } from "./RegistrarModel.ts";
import { Student } from "./Student.ts";
import { StudentCourse } from "./StudentCourse.ts";

/** A course as the OneRoster import reads and writes it. */
export type ImportedCourse = {
  id: number;
  name: string;
  level: string;
  code: string | null;
  termId: number | null;
  sourcedId: string;
};

/** What a seat check reads of a course. */
export type CourseSeats = {
  id: number;
  capacity: number | null;
  enrolledCount: number;
  waitlistCapacity: number;
  waitlistedCount: number;
};

export class Course extends RegistrarModel {
  static override tableName = "courses";

  id!: number;
  name!: string;
  level!: string;
  /** null: unlimited seats */
  capacity!: number | null;
  /** active enrollments, kept by the database (triggers on student_courses); never written by the application */
  enrolledCount!: number;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  updatedAt!: string;
  /** a short code that tells two courses of one name apart (at most 64 characters) */
  code!: string | null;
  termId!: number | null;
  /** waitlist places; 0: no waitlist */
  waitlistCapacity!: number;
  /** waitlisted enrollments, kept by the database as `enrolledCount` is */
  waitlistedCount!: number;
  /** an external system's id (OneRoster `sourcedId`), unique when set */
  sourcedId!: string | null;

  /** The roster, through student_courses, each with its enrollment's `enrolledAt`. */
  students?: Array<Student & { enrolledAt: string }>;
  enrollments?: StudentCourse[];

  /**
   * The orders `GET /courses?sort=` offers, each with its `(key, id)` index: names, codes
   * and levels case-insensitively; a course without a code sorts as an empty code (first,
   * ascending) and one without a seat limit as the largest capacity (last, ascending).
   * The null stand-ins keep a key total, which a row comparison of a cursor needs.
   */
  static sortKeys = {
    name: { expression: "lower(courses.name)", type: "text" },
    code: { expression: "coalesce(lower(courses.code), '')", type: "text" },
    level: { expression: "lower(courses.level)", type: "text" },
    capacity: { expression: "coalesce(courses.capacity, 2147483647)", type: "integer" },
    id: { expression: "courses.id", type: "integer" },
  } as const satisfies Record<string, SortKey>;

  static override relationMappings = (): RelationMappings => ({
    students: {
      relation: RegistrarModel.ManyToManyRelation,
      modelClass: Student,
      join: {
        from: "courses.id",
        through: {
          modelClass: StudentCourse,
          from: "student_courses.course_id",
          to: "student_courses.student_id",
          extra: ["enrolled_at"],
        },
        to: "students.id",
      },
    },
    enrollments: {
      relation: RegistrarModel.HasManyRelation,
      modelClass: StudentCourse,
      join: { from: "courses.id", to: "student_courses.course_id" },
    },
  });

  // ---- OneRoster import (packages/core/src/oneroster). Raw SQL for the reason given in Student.ts.

  /**
   * Locks (FOR UPDATE, ascending id: the writers' lock order, after the students) and reads
   * the courses a package names by `sourcedId`, with the counts its seat check needs.
   */
  static async lockForImport(db: Knex, sourcedIds: string[]): Promise<ImportedCourse[]> {
    const result = await db.raw<{ rows: ImportedCourse[] }>(
      `select id, name, level, code, term_id as "termId", sourced_id as "sourcedId" from courses
       where sourced_id = any(?::text[]) order by id for update`,
      [sourcedIds],
    );
    return result.rows;
  }

  /** Inserts new courses (unlimited seats, no waitlist); answers their ids by `sourcedId`. */
  static async insertForImport(
    db: Knex,
    rows: Array<Omit<ImportedCourse, "id">>,
  ): Promise<Array<{ id: number; sourcedId: string }>> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number; sourcedId: string }> }>(
      `insert into courses (name, level, code, term_id, sourced_id)
       select t.name, t.level, t.code, t."termId", t."sourcedId"
       from jsonb_to_recordset(?::jsonb) as t(name text, level text, code text, "termId" int, "sourcedId" text)
       returning id, sourced_id as "sourcedId"`,
      [JSON.stringify(rows)],
    );
    return result.rows;
  }

  /** Updates courses whose values differ (an unchanged row is not touched); answers the ids changed. */
  static async updateForImport(db: Knex, rows: ImportedCourse[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number }> }>(
      `update courses s set name = t.name, level = t.level, code = t.code, term_id = t."termId", updated_at = now()
       from jsonb_to_recordset(?::jsonb) as t(id int, name text, level text, code text, "termId" int)
       where s.id = t.id and (s.name, s.level, s.code, s.term_id) is distinct from (t.name, t.level, t.code, t."termId")
       returning s.id`,
      [JSON.stringify(rows)],
    );
    return result.rows.map((row) => row.id);
  }

  /** The seat counts of locked courses, read again after drops (and their promotions). */
  static async seatsForImport(db: Knex, courseIds: number[]): Promise<CourseSeats[]> {
    if (courseIds.length === 0) return [];
    const result = await db.raw<{ rows: CourseSeats[] }>(
      `select id, capacity, enrolled_count as "enrolledCount", waitlist_capacity as "waitlistCapacity",
         waitlisted_count as "waitlistedCount"
       from courses where id = any(?::int[])`,
      [courseIds],
    );
    return result.rows;
  }
}
