import { Model, type RelationMappings } from "objection";
import { Course } from "./Course.ts";
import { StudentCourse } from "./StudentCourse.ts";

export class Student extends Model {
  static override tableName = "students";

  id!: number;
  name!: string;
  email!: string;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  createdAt!: string;
  updatedAt!: string;

  courses?: Array<Course & { enrolledAt: string }>;
  enrollments?: StudentCourse[];

  static override relationMappings = (): RelationMappings => ({
    courses: {
      relation: Model.ManyToManyRelation,
      modelClass: Course,
      join: {
        from: "students.id",
        through: {
          modelClass: StudentCourse,
          from: "student_courses.studentId",
          to: "student_courses.courseId",
          extra: ["enrolledAt"],
        },
        to: "courses.id",
      },
    },
    enrollments: {
      relation: Model.HasManyRelation,
      modelClass: StudentCourse,
      join: { from: "students.id", to: "student_courses.studentId" },
    },
  });
}
