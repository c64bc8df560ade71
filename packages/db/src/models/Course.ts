import type { RelationMappings } from "objection";
import { RegistrarModel, type SortKey } from "./RegistrarModel.ts";
import { Student } from "./Student.ts";
import { StudentCourse } from "./StudentCourse.ts";

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
}
