import {
  Course as CourseModel,
  type Database,
  preparedQuery,
  Student as StudentModel,
  Term as TermModel,
} from "@registrar/db";
import { courseColumns, studentColumns, termColumns } from "./rows.ts";
import type { Course, Student, Term } from "./schemas.ts";

/*
 * What a conditional request (If-Match, contract v1.1) compares, read under the row lock
 * the write that follows takes first, in the write's transaction: no other write of the
 * resource can come between the comparison and the change.
 */

/** The student as GET answers it, locked FOR UPDATE (the strongest lock its writes take); undefined when absent. */
export async function lockedStudent(db: Database, studentId: number): Promise<Student | undefined> {
  const student = await StudentModel.query(db).select(studentColumns).findById(studentId).forUpdate();
  return student?.toJSON() as Student | undefined;
}

/** The course as GET answers it, locked FOR UPDATE (as its deletion does); undefined when absent. */
export async function lockedCourse(db: Database, courseId: number): Promise<Course | undefined> {
  const course = await CourseModel.query(db).select(courseColumns).findById(courseId).forUpdate();
  return course?.toJSON() as Course | undefined;
}

/** The term as GET answers it, locked FOR UPDATE (as its update and deletion lock it); undefined when absent. */
export async function lockedTerm(db: Database, termId: number): Promise<Term | undefined> {
  const term = await TermModel.query(db).select(termColumns).findById(termId).forUpdate();
  return term?.toJSON() as Term | undefined;
}

/**
 * The version of the student's enrollment set (bumped by the database with every change to
 * its `student_courses` rows, migration 20261202000200); undefined when the student does
 * not exist. With `lock`, the student row is locked as the enrollment writers lock it first.
 */
export async function enrollmentSetVersion(
  db: Database,
  studentId: number,
  { lock = false } = {},
): Promise<string | undefined> {
  if (lock) {
    // Its own statement: the version is read by the next one, whose snapshot (READ
    // COMMITTED) is taken after the lock is granted. Read in the locking statement, it
    // would come from the snapshot taken before the wait, and miss the write waited for.
    const student = await StudentModel.query(db).select("students.id").findById(studentId).forNoKeyUpdate();
    if (!student) return undefined;
  }
  const [row] = await versionOfEnrollmentSet(db, { studentId });
  return row?.version;
}

// Prepared: every conditional read of a student's courses (GET /students/{id}/courses,
// the bench's read scenario) sends it beside the page.
const versionOfEnrollmentSet = preparedQuery<{ studentId: number }, { version: string }>(
  "enrollment_set_version",
  { studentId: "integer" },
  (db, p) =>
    StudentModel.query(db).select(StudentModel.enrollmentSetVersion()).where("students.id", p.studentId),
);
