import {
  Course as CourseModel,
  type Database,
  preparedQuery,
  StudentCourse as StudentCourseModel,
  Student as StudentModel,
} from "@registrar/db";
import type { Knex } from "knex";
import { ref } from "objection";
import { isCheckViolation, isForeignKeyViolation } from "./database-errors.ts";
import {
  CourseFull,
  CourseNotFound,
  CoursesNotFound,
  EnrollmentNotFound,
  StudentNotFound,
} from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { courseColumns, enrolledAtColumn, studentColumns } from "./rows.ts";
import type {
  Assignment,
  CourseStudentsPage,
  EnrolledCourse,
  EnrolledStudent,
  PageInput,
  Replacement,
  StudentCoursesPage,
} from "./schemas.ts";

type Transaction = Knex.Transaction;

/**
 * Enrolls a student in courses, atomically: either every new pair is written or none.
 *
 * One transaction, four statements whatever the number of ids:
 * 1. lock the student row (serialises enrollment writes of one student);
 * 2. lock the course rows in ascending id order (so two multi-course assignments can never
 *    deadlock), learn which ids do not exist and which courses have no seat left;
 * 3. insert every pair in one statement, `on conflict do nothing`: what it returns is
 *    what is new. The database's triggers add to the courses' `enrolled_count`, and its
 *    CHECK refuses a count above capacity: the last word, should step 2 ever be wrong;
 * 4. read back the student's courses.
 *
 * Lock order, the same in every writer of enrollments (and in the triggers): the student,
 * then courses by ascending id, then `student_courses` rows. Nobody writes a pair
 * without holding its course's row lock.
 */
export async function assignCourses(
  db: Database,
  studentId: number,
  courseIds: number[],
): Promise<Assignment> {
  const ids = uniqueAscending(courseIds);
  return inTransaction(db, studentId, ids, async (trx) => {
    await lockStudent(trx, studentId);
    await lockCourses(trx, studentId, ids);
    const enrolled = await insertEnrollments(trx, studentId, ids);
    const courses = await coursesOf(trx, { studentId });
    return { studentId, enrolled, alreadyEnrolled: without(ids, enrolled), courses };
  });
}

/**
 * Replaces a student's whole set of courses with `courseIds` (the PUT): drops the others,
 * adds the new ones, with the same checks as {@link assignCourses}. It locks the courses
 * it drops as well as those it adds, all in one ascending pass, because dropping a pair
 * changes its course's count too.
 */
export async function replaceCourses(
  db: Database,
  studentId: number,
  courseIds: number[],
): Promise<Replacement> {
  const ids = uniqueAscending(courseIds);
  return inTransaction(db, studentId, ids, async (trx) => {
    await lockStudent(trx, studentId);
    await lockCourses(trx, studentId, ids, { alsoCurrent: true });
    const removed = await dropOtherCourses(trx, { studentId, courseIds: ids });
    const enrolled = await insertEnrollments(trx, studentId, ids);
    const courses = await coursesOf(trx, { studentId });
    return {
      studentId,
      enrolled,
      alreadyEnrolled: without(ids, enrolled),
      removed: removed.map((row) => row.courseId).sort((a, b) => a - b),
      courses,
    };
  });
}

/**
 * Drops one enrollment in one statement that takes the writers' locks in their order (see
 * {@link assignCourses}): the student row, then the course row, then the pair. Each
 * `materialized` CTE runs once, the course's only after the student's (its WHERE reads
 * it), and both before the delete looks for the pair. Deleting the pair first and letting
 * the count trigger lock the course afterwards would deadlock against an assignment of the
 * same pair; skipping the student lock would let an assignment that read the student's
 * courses just before this commits take a seat that is no longer there.
 */
export async function removeEnrollment(db: Database, studentId: number, courseId: number): Promise<void> {
  const deleted = await removePair(db, { studentId, courseId });
  if (deleted.length > 0) return;
  // Nothing deleted: say precisely what is missing, in one statement.
  const found = await StudentModel.query(db)
    .findById(studentId)
    .select("students.id", CourseModel.query().findById(courseId).select("courses.id").as("course_id"))
    .castTo<{ id: number; courseId: number | null } | undefined>();
  if (!found) throw new StudentNotFound(studentId);
  if (found.courseId === null) throw new CourseNotFound(courseId);
  throw new EnrollmentNotFound(studentId, courseId);
}

const removePair = preparedQuery<{ studentId: number; courseId: number }, { courseId: number }>(
  "remove_enrollment",
  { studentId: "integer", courseId: "integer" },
  (db, p) =>
    StudentCourseModel.query(db)
      .withMaterialized(
        "student",
        StudentModel.query().select("students.id").findById(p.studentId).forNoKeyUpdate(),
      )
      .withMaterialized(
        "course",
        CourseModel.query()
          .select("courses.id")
          .findById(p.courseId)
          .whereExists(db.select(1).from("student"))
          .forUpdate(),
      )
      .delete()
      .where("student_id", db.select("id").from("student"))
      .where("course_id", db.select("id").from("course"))
      .returning(StudentCourseModel.columnsAs(["courseId"])),
);

/** The one row of nulls a left join yields for a student (course) with nothing enrolled. */
type AbsentRow = { id: null };

/**
 * A page of a student's courses by course id, in one statement: the left join from the
 * student row tells "no such student" (no row) from "no courses" (one row of nulls). The
 * cursor is part of the join's condition, not of the WHERE, so that a student with no
 * course after it still has its row; Student.courses' relation join cannot carry it, so
 * the join is spelled with the relation's columns.
 */
const studentCoursesPage = preparedQuery<
  { afterId: number; studentId: number; limit: number },
  EnrolledCourse | AbsentRow
>("list_student_courses", { afterId: "integer", studentId: "integer", limit: "integer" }, (db, p) =>
  StudentModel.query(db)
    .select(courseColumns, enrolledAtColumn)
    .leftJoin("student_courses", (join) =>
      join
        .on("student_courses.student_id", "students.id")
        .andOnVal("student_courses.course_id", ">", p.afterId),
    )
    .leftJoin("courses", "courses.id", "student_courses.course_id")
    .where("students.id", p.studentId)
    .orderBy("student_courses.course_id")
    .limit(p.limit),
);

export async function listStudentCourses(
  db: Database,
  studentId: number,
  page?: PageInput,
): Promise<StudentCoursesPage> {
  const { afterId, limit } = pageWindow(page);
  const rows = await studentCoursesPage(db, { afterId, studentId, limit: limit + 1 });
  if (rows.length === 0) throw new StudentNotFound(studentId);
  const { items, nextCursor } = pageOf(rows.filter(isPresent), limit);
  return { studentId, courses: items, nextCursor };
}

/** A page of a course's roster by student id, in one statement (as {@link studentCoursesPage}). */
const courseStudentsPage = preparedQuery<
  { afterId: number; courseId: number; limit: number },
  EnrolledStudent | AbsentRow
>("list_course_students", { afterId: "integer", courseId: "integer", limit: "integer" }, (db, p) =>
  CourseModel.query(db)
    .select(studentColumns, enrolledAtColumn)
    .leftJoin("student_courses", (join) =>
      join
        .on("student_courses.course_id", "courses.id")
        .andOnVal("student_courses.student_id", ">", p.afterId),
    )
    .leftJoin("students", "students.id", "student_courses.student_id")
    .where("courses.id", p.courseId)
    .orderBy("student_courses.student_id")
    .limit(p.limit),
);

export async function listCourseStudents(
  db: Database,
  courseId: number,
  page?: PageInput,
): Promise<CourseStudentsPage> {
  const { afterId, limit } = pageWindow(page);
  const rows = await courseStudentsPage(db, { afterId, courseId, limit: limit + 1 });
  if (rows.length === 0) throw new CourseNotFound(courseId);
  const { items, nextCursor } = pageOf(rows.filter(isPresent), limit);
  return { courseId, students: items, nextCursor };
}

// ---- the steps ---------------------------------------------------------------------------

function isPresent<Row extends { id: number | null }>(row: Row): row is Row & { id: number } {
  return row.id !== null;
}

function without(ids: number[], taken: number[]): number[] {
  const skip = new Set(taken);
  return ids.filter((id) => !skip.has(id));
}

function uniqueAscending(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

async function inTransaction<T>(
  db: Database,
  studentId: number,
  courseIds: number[],
  work: (trx: Transaction) => Promise<T>,
) {
  try {
    return await db.transaction(work);
  } catch (error) {
    // The database's constraints are the last word; under the locks we take neither can
    // fire, but if one does the client gets the answer it names, not a 500.
    if (isForeignKeyViolation(error)) throw new StudentNotFound(studentId);
    if (isCheckViolation(error, "courses_enrolled_count_within_capacity")) {
      throw new CourseFull(await fullCourses(db, courseIds));
    }
    throw error;
  }
}

async function fullCourses(db: Database, courseIds: number[]): Promise<number[]> {
  const full = await CourseModel.query(db)
    .select("courses.id")
    .whereIn("courses.id", courseIds)
    .whereNotNull("capacity")
    .where("enrolled_count", ">=", ref("capacity"))
    .orderBy("courses.id");
  return full.map((course) => course.id);
}

const lockStudentRow = preparedQuery<{ studentId: number }, { id: number }>(
  "lock_student",
  { studentId: "integer" },
  (db, p) => StudentModel.query(db).select("students.id").findById(p.studentId).forNoKeyUpdate(),
);

async function lockStudent(trx: Transaction, studentId: number): Promise<void> {
  const [student] = await lockStudentRow(trx, { studentId });
  if (!student) throw new StudentNotFound(studentId);
}

/** A locked course: what its capacity check reads, under the lock. */
type LockedCourse = {
  id: number;
  capacity: number | null;
  enrolledCount: number;
  /** the student's id when it already has this course and the course has no seat left, else null */
  mine: number | null;
};

function lockCoursesQuery(alsoCurrent: boolean) {
  return (db: Knex, p: { studentId: number; courseIds: readonly number[] }) =>
    CourseModel.query(db)
      .select(
        CourseModel.columnsAs(["id", "capacity", "enrolledCount"]),
        // Looked up only for a course with no seat left, the one case it decides: the
        // conditions on the outer row let PostgreSQL skip the lookup for the others
        // (~3.5 ms of a 1,000-course assignment, EXPLAIN ANALYZE).
        CourseModel.relatedQuery("enrollments")
          .select("student_id")
          .where("student_id", p.studentId)
          .whereNotNull("courses.capacity")
          .where("courses.enrolled_count", ">=", ref("courses.capacity"))
          .as("mine"),
      )
      .where((where) => {
        where.where(CourseModel.isAnyOf("courses.id", p.courseIds));
        if (alsoCurrent) {
          where.orWhereIn(
            "courses.id",
            StudentModel.relatedQuery("enrollments").for(p.studentId).select("course_id"),
          );
        }
      })
      .orderBy("courses.id")
      .forUpdate();
}
const kinds = { studentId: "integer", courseIds: "list" } as const;
const lockNamedCourses = preparedQuery<{ studentId: number; courseIds: number[] }, LockedCourse>(
  "lock_courses",
  kinds,
  lockCoursesQuery(false),
);
const lockNamedAndCurrentCourses = preparedQuery<{ studentId: number; courseIds: number[] }, LockedCourse>(
  "lock_courses_and_current",
  kinds,
  lockCoursesQuery(true),
);

/**
 * Locks the named courses (ascending id) and, with `alsoCurrent`, the courses the student
 * has now; fails with every missing id at once, then with every named course that has no
 * seat left for this student. A course the student already has needs no new seat.
 *
 * `enrolled_count` is read under the row lock: FOR UPDATE waits for any writer holding the
 * row and then reads the version it committed, so the count is exact. Only the courses
 * are locked: the student_courses rows are read in subqueries, which FOR UPDATE does not
 * lock.
 */
async function lockCourses(
  trx: Transaction,
  studentId: number,
  ids: number[],
  { alsoCurrent = false } = {},
): Promise<void> {
  const lock = alsoCurrent ? lockNamedAndCurrentCourses : lockNamedCourses;
  const locked = await lock(trx, { studentId, courseIds: ids });
  const named = new Set(ids);
  const found = locked.filter((course) => named.has(course.id));
  if (found.length !== ids.length) {
    const present = new Set(found.map((course) => course.id));
    throw new CoursesNotFound(ids.filter((id) => !present.has(id)));
  }
  const full = found
    .filter(
      (course) => course.capacity !== null && course.enrolledCount >= course.capacity && course.mine === null,
    )
    .map((course) => course.id);
  if (full.length > 0) throw new CourseFull(full);
}

/** Drops the student's pairs with courses not in `courseIds`; resolves to the dropped ones. */
const dropOtherCourses = preparedQuery<{ studentId: number; courseIds: number[] }, { courseId: number }>(
  "drop_other_courses",
  kinds,
  (db, p) =>
    StudentCourseModel.query(db)
      .delete()
      .where("student_id", p.studentId)
      .where(StudentCourseModel.isNoneOf("course_id", p.courseIds))
      .returning(StudentCourseModel.columnsAs(["courseId"])),
);

/** Inserts the pairs that are new; resolves to their course ids, ascending. */
async function insertEnrollments(
  trx: Transaction,
  studentId: number,
  courseIds: number[],
): Promise<number[]> {
  const inserted = await StudentCourseModel.insertNew(trx, { studentId, courseIds });
  return inserted.map((row) => row.courseId).sort((a, b) => a - b);
}

/** All of a student's courses by id, as the API returns them (the read-back of a write). */
const coursesOf = preparedQuery<{ studentId: number }, EnrolledCourse>(
  "courses_of_student",
  { studentId: "integer" },
  (db, p) =>
    StudentModel.relatedQuery("courses", db)
      .for(p.studentId)
      .select(courseColumns, enrolledAtColumn)
      .orderBy("courses.id"),
);
