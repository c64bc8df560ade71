import { Course, Student, StudentCourse, Term } from "@registrar/db";
import { courseSchema, studentSchema, termSchema } from "./schemas.ts";

/**
 * The select lists of the API shapes: each property of the zod schema (schemas.ts), read
 * from the column its model maps it to, under the property's name
 * (`courses.enrolled_count as enrolledCount`). A statement that selects them answers rows
 * that already are the zod types (Course, Student, and with {@link enrolledAtColumn}
 * EnrolledCourse/EnrolledStudent): the drivers hand timestamps over as ISO strings
 * (packages/db/src/timestamps.ts), so the services return rows as they come, with no
 * per-row copy. `columnsAs` only accepts properties its model has, so a schema property
 * without a column does not compile.
 *
 * A Course's `enrolledCount` is kept by the database (triggers on student_courses,
 * migration 20261127000500), so it is exact in any transaction that has written
 * enrollments or holds the course's row lock.
 */
export const courseColumns = Course.columnsAs(courseSchema.keyof().options);
export const studentColumns = Student.columnsAs(studentSchema.keyof().options);
/**
 * An enrollment's own properties, from the join table, in the order of the schemas'
 * `enrollmentFields`, with `waitlistPosition` read by `position`.
 */
function enrollmentColumnsWith(position: ReturnType<typeof StudentCourse.waitlistPositionColumn>) {
  return [
    ...StudentCourse.columnsAs(["enrolledAt", "status"]),
    position,
    ...StudentCourse.columnsAs(["beginDate", "endDate", "droppedAt"]),
  ];
}
export const enrollmentColumns = enrollmentColumnsWith(StudentCourse.waitlistPositionColumn());
/** {@link enrollmentColumns} of a waitlist page (StudentCourse.waitlistPageJoin), which counts the positions itself. */
export const waitlistPageEnrollmentColumns = enrollmentColumnsWith(
  StudentCourse.waitlistPagePositionColumn(),
);
export const termColumns = Term.columnsAs(termSchema.keyof().options);
