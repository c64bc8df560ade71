import { Model, type RelationMappings } from "objection";
import { Student } from "./Student.ts";
import { StudentCourse } from "./StudentCourse.ts";

export class Course extends Model {
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

  students?: Array<Student & { enrolledAt: string }>;
  enrollments?: StudentCourse[];

  static override relationMappings = (): RelationMappings => ({
    students: {
      relation: Model.ManyToManyRelation,
      modelClass: Student,
      join: {
        from: "courses.id",
        through: {
          modelClass: StudentCourse,
          from: "student_courses.courseId",
          to: "student_courses.studentId",
          extra: ["enrolledAt"],
        },
        to: "students.id",
      },
    },
    enrollments: {
      relation: Model.HasManyRelation,
      modelClass: StudentCourse,
      join: { from: "courses.id", to: "student_courses.courseId" },
    },
  });
}
