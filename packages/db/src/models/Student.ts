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
}
