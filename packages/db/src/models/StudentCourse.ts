import { Model, type RelationMappings } from "objection";
import { Course } from "./Course.ts";
import { Student } from "./Student.ts";

/** One enrollment: the row of the `student_courses` join table. */
export class StudentCourse extends Model {
  static override tableName = "student_courses";
  static override idColumn = ["studentId", "courseId"];

  studentId!: number;
  courseId!: number;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  enrolledAt!: string;

  student?: Student;
  course?: Course;

  static override relationMappings = (): RelationMappings => ({
    student: {
      relation: Model.BelongsToOneRelation,
      modelClass: Student,
      join: { from: "student_courses.studentId", to: "students.id" },
    },
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: "student_courses.courseId", to: "courses.id" },
    },
  });
}
