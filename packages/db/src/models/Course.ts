import type { RelationMappings } from "objection";
import { RegistrarModel } from "./RegistrarModel.ts";
import { Student } from "./Student.ts";
import { StudentCourse } from "./StudentCourse.ts";

export class Course extends RegistrarModel {
  static override tableName = "courses";

  id!: number;
  name!: string;
  level!: string;
  /** null: unlimited seats */
  capacity!: number | null;
  /** kept by the database (triggers on student_courses); never written by the application */
  enrolledCount!: number;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  updatedAt!: string;

  /** The roster, through student_courses, each with its enrollment's `enrolledAt`. */
  students?: Array<Student & { enrolledAt: string }>;
  enrollments?: StudentCourse[];

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
