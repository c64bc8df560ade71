import type { Database } from "@registrar/db";
import type { Knex } from "knex";
import { isCheckViolation, isForeignKeyViolation } from "./database-errors.ts";
import {
  CourseFull,
  CourseNotFound,
  CoursesNotFound,
  EnrollmentNotFound,
  StudentNotFound,
} from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { preparedRaw } from "./prepared.ts";
import { courseColumns, studentColumns } from "./rows.ts";
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
    const courses = await allCoursesOf(trx, studentId);
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
    const removedRows = await trx.raw<{ rows: Array<{ courseId: number }> }>(
      `delete from student_courses where student_id = ? and course_id <> all(?::int[])
       returning course_id as "courseId"`,
      [studentId, ids],
    );
    const enrolled = await insertEnrollments(trx, studentId, ids);
    const courses = await allCoursesOf(trx, studentId);
    return {
      studentId,
      enrolled,
      alreadyEnrolled: without(ids, enrolled),
      removed: removedRows.rows.map((row) => row.courseId).sort((a, b) => a - b),
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
  const deleted = await db.raw<{ rows: unknown[] }>(
    `with student as materialized (select id from students where id = ? for no key update),
          course as materialized (
            select id from courses where id = ? and exists (select 1 from student) for update)
     delete from student_courses
     where student_id = (select id from student) and course_id = (select id from course)
     returning course_id`,
    [studentId, courseId],
  );
  if (deleted.rows.length > 0) return;
  // Nothing deleted: say precisely what is missing.
  const found = await db.raw<{ rows: Array<{ student: boolean; course: boolean }> }>(
    `select exists(select 1 from students where id = ?) as student,
            exists(select 1 from courses where id = ?) as course`,
    [studentId, courseId],
  );
  const row = found.rows[0];
  if (!row?.student) throw new StudentNotFound(studentId);
  if (!row.course) throw new CourseNotFound(courseId);
  throw new EnrollmentNotFound(studentId, courseId);
}

/**
 * A page of a student's courses, ordered by course id, in one statement: the left join
 * from the student row tells "no such student" (no row) from "no courses" (one empty row).
 */
export async function listStudentCourses(
  db: Database,
  studentId: number,
  page?: PageInput,
): Promise<StudentCoursesPage> {
  const { afterId, limit } = pageWindow(page);
  const result = await preparedRaw<{ rows: Array<EnrolledCourse | AbsentRow> }>(
    db,
    "list_student_courses",
    `select ${courseColumns("c")}, sc.enrolled_at as "enrolledAt"
     from students s
     left join student_courses sc on sc.student_id = s.id and sc.course_id > ?
     left join courses c on c.id = sc.course_id
     where s.id = ?
     order by sc.course_id
     limit ?`,
    [afterId, studentId, limit + 1],
  );
  if (result.rows.length === 0) throw new StudentNotFound(studentId);
  const rows = result.rows.filter(isPresent);
  const { items, nextCursor } = pageOf(rows, limit);
  return { studentId, courses: items, nextCursor };
}

/** A page of a course's roster, ordered by student id, in one statement. */
export async function listCourseStudents(
  db: Database,
  courseId: number,
  page?: PageInput,
): Promise<CourseStudentsPage> {
  const { afterId, limit } = pageWindow(page);
  const result = await preparedRaw<{ rows: Array<EnrolledStudent | AbsentRow> }>(
    db,
    "list_course_students",
    `select ${studentColumns("s")}, sc.enrolled_at as "enrolledAt"
     from courses c
     left join student_courses sc on sc.course_id = c.id and sc.student_id > ?
     left join students s on s.id = sc.student_id
     where c.id = ?
     order by sc.student_id
     limit ?`,
    [afterId, courseId, limit + 1],
  );
  if (result.rows.length === 0) throw new CourseNotFound(courseId);
  const rows = result.rows.filter(isPresent);
  const { items, nextCursor } = pageOf(rows, limit);
  return { courseId, students: items, nextCursor };
}

// ---- the steps ---------------------------------------------------------------------------

/** The one row of nulls a left join yields for a student (course) with nothing enrolled. */
type AbsentRow = { id: null };

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
  const result = await db.raw<{ rows: Array<{ id: number }> }>(
    `select id from courses where id = any(?::int[]) and capacity is not null and enrolled_count >= capacity
     order by id`,
    [courseIds],
  );
  return result.rows.map((row) => row.id);
}

async function lockStudent(trx: Transaction, studentId: number): Promise<void> {
  const result = await trx.raw<{ rows: unknown[] }>(
    "select id from students where id = ? for no key update",
    [studentId],
  );
  if (result.rows.length === 0) throw new StudentNotFound(studentId);
}

/**
 * Locks the named courses (ascending id) and, with `alsoCurrent`, the courses the student
 * has now; fails with every missing id at once, then with every named course that has no
 * seat left for this student. A course the student already has needs no new seat.
 *
 * `enrolled_count` is read under the row lock: FOR UPDATE waits for any writer holding the
 * row and then reads the version it committed, so the count is exact.
 */
async function lockCourses(
  trx: Transaction,
  studentId: number,
  ids: number[],
  { alsoCurrent = false } = {},
): Promise<void> {
  const locked = await trx.raw<{ rows: Array<{ id: number; full: boolean }> }>(
    `select c.id,
       c.capacity is not null and c.enrolled_count >= c.capacity
         and not exists (select 1 from student_courses mine where mine.student_id = ? and mine.course_id = c.id)
         as full
     from courses c
     where c.id = any(?::int[])
       ${alsoCurrent ? "or c.id in (select course_id from student_courses where student_id = ?)" : ""}
     order by c.id for update of c`,
    alsoCurrent ? [studentId, ids, studentId] : [studentId, ids],
  );
  const named = new Set(ids);
  const found = locked.rows.filter((course) => named.has(course.id));
  if (found.length !== ids.length) {
    const present = new Set(found.map((course) => course.id));
    throw new CoursesNotFound(ids.filter((id) => !present.has(id)));
  }
  const full = found.filter((course) => course.full).map((course) => course.id);
  if (full.length > 0) throw new CourseFull(full);
}

async function insertEnrollments(
  trx: Transaction,
  studentId: number,
  courseIds: number[],
): Promise<number[]> {
  const inserted = await trx.raw<{ rows: Array<{ courseId: number }> }>(
    `insert into student_courses (student_id, course_id)
     select ?, id from unnest(?::int[]) as id
     on conflict do nothing
     returning course_id as "courseId"`,
    [studentId, courseIds],
  );
  return inserted.rows.map((row) => row.courseId).sort((a, b) => a - b);
}

async function allCoursesOf(trx: Transaction, studentId: number): Promise<EnrolledCourse[]> {
  const result = await trx.raw<{ rows: EnrolledCourse[] }>(
    `select ${courseColumns("c")}, sc.enrolled_at as "enrolledAt"
     from student_courses sc join courses c on c.id = sc.course_id
     where sc.student_id = ? order by c.id`,
    [studentId],
  );
  return result.rows;
}
