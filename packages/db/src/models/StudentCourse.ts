import type { RelationMappings } from "objection";
import { preparedQuery } from "../prepared-query.ts";
import { Course } from "./Course.ts";
import { RegistrarModel } from "./RegistrarModel.ts";
import { Student } from "./Student.ts";

/** One enrollment: the row of the `student_courses` join table. */
export class StudentCourse extends RegistrarModel {
  static override tableName = "student_courses";
  static override idColumn = ["student_id", "course_id"];

  studentId!: number;
  courseId!: number;
  /** ISO-8601, as the API returns it (timestamps.ts) */
  enrolledAt!: string;

  student?: Student;
  course?: Course;

  static override relationMappings = (): RelationMappings => ({
    student: {
      relation: RegistrarModel.BelongsToOneRelation,
      modelClass: Student,
      join: { from: "student_courses.student_id", to: "students.id" },
    },
    course: {
      relation: RegistrarModel.BelongsToOneRelation,
      modelClass: Course,
      join: { from: "student_courses.course_id", to: "courses.id" },
    },
  });

  /**
   * Enrolls `studentId` in each of `courseIds` it does not have yet, in one statement;
   * resolves to the course ids it added (in no particular order). The caller holds the
   * student's and the courses' locks (see packages/core enrollments.ts).
   *
   * Raw SQL because Objection's insert takes rows: 1,000 courses become 1,000 models and
   * a VALUES list of 2,000 parameters, a different statement for every number of courses,
   * which took 2.6 ms of CPU to build for 1,000 before PostgreSQL parsed and planned it;
   * and with `on conflict do nothing` fewer rows come back than went in, which Objection
   * pairs with its models by position. `insert … select from unnest` is one statement with
   * two parameters for any number of courses, prepared once.
   */
  static insertNew = preparedQuery<{ studentId: number; courseIds: number[] }, { courseId: number }>(
    "insert_enrollments",
    { studentId: "integer", courseIds: "list" },
    (db, p) =>
      db.raw(
        `insert into student_courses (student_id, course_id)
         select ?, id from unnest(?::int[]) as id
         on conflict do nothing
         returning course_id as "courseId"`,
        [p.studentId, p.courseIds],
      ),
  );
}
