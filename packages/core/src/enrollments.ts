import {
  Course as CourseModel,
  type Database,
  type EnrollmentStatus,
  preparedQuery,
  StudentCourse as StudentCourseModel,
  Student as StudentModel,
} from "@registrar/db";
import type { Knex } from "knex";
import { fn, ref } from "objection";
import type { ApiKeyRole } from "./api-keys.ts";
import { isCheckViolation, isForeignKeyViolation } from "./database-errors.ts";
import {
  CourseFull,
  CourseNotFound,
  CoursesNotFound,
  EnrollmentNotFound,
  InvalidTransition,
  StudentNotFound,
} from "./errors.ts";
import { encodeWaitlistCursor, pageOf, pageWindow, waitlistPageWindow } from "./paging.ts";
import { courseColumns, enrollmentColumns, studentColumns, waitlistPageEnrollmentColumns } from "./rows.ts";
import {
  type Assignment,
  type CourseStudentsPage,
  type EnrolledCourse,
  type EnrolledStudent,
  type EnrollmentListInput,
  enrollmentStatuses,
  type Replacement,
  type StatusFilter,
  type StudentCoursesPage,
  type UpdateEnrollmentInput,
} from "./schemas.ts";

type Transaction = Knex.Transaction;

/** Who acts: an API key and its role, both null when auth is off. */
export type Actor = { keyId: number | null; role: ApiKeyRole | null };

/**
 * Where a change of enrollments comes from, recorded in its history entries: the surface
 * (`rest`, `trpc`, `import`; `system` is the database's own promotions) and the actor. The
 * adapters pass it with every write; a caller that does not is recorded as an anonymous
 * REST call (what every caller was before the history existed).
 */
export type ChangeOrigin = { source: "rest" | "trpc" | "import" | "system"; actor?: Actor | null };

export const anonymousRestOrigin: ChangeOrigin = { source: "rest", actor: null };

export type AssignOptions = {
  /** A full course with waitlist room waitlists the student instead of refusing (409 course_full). */
  waitlist?: boolean;
  origin?: ChangeOrigin;
};
export type DropOptions = { reason?: string; origin?: ChangeOrigin };

/** The setting the history triggers read (StudentCourse.recordChange). */
function changeOf(origin: ChangeOrigin | undefined, reason: string | null): string {
  const { source, actor } = origin ?? anonymousRestOrigin;
  return StudentCourseModel.changeSetting({
    source,
    keyId: actor?.keyId ?? null,
    role: actor?.role ?? null,
    reason,
  });
}

/** The statuses a list shows: active unless asked, every one for `all`. */
function statusesOf(filter: StatusFilter | undefined): EnrollmentStatus[] {
  if (filter === undefined) return ["active"];
  if (filter === "all") return [...enrollmentStatuses];
  return [...new Set(filter)];
}

/** What an enrollment shows while it is current: the pairs a write answers and PUT replaces. */
const currentStatuses: EnrollmentStatus[] = ["active", "waitlisted"];

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
  options: AssignOptions = {},
): Promise<Assignment> {
  const ids = uniqueAscending(courseIds);
  return inTransaction(db, studentId, ids, async (trx) => {
    await lockStudent(trx, studentId, changeOf(options.origin, null));
    const plan = await lockCourses(trx, studentId, ids, { waitlist: options.waitlist ?? false });
    const { enrolled, waitlisted } = await enroll(trx, studentId, plan);
    const courses = await coursesOf(trx, { studentId, statuses: currentStatuses });
    return {
      studentId,
      enrolled,
      alreadyEnrolled: without(ids, [...enrolled, ...waitlisted]),
      waitlisted,
      courses,
    };
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
  options: AssignOptions = {},
): Promise<Replacement> {
  const ids = uniqueAscending(courseIds);
  return inTransaction(db, studentId, ids, async (trx) => {
    await lockStudent(trx, studentId, changeOf(options.origin, null));
    const plan = await lockCourses(trx, studentId, ids, {
      alsoCurrent: true,
      waitlist: options.waitlist ?? false,
    });
    // Soft drops: the records stay (status dropped), and a freed seat goes to its waitlist.
    const removed = await dropOtherCourses(trx, { studentId, courseIds: ids });
    const { enrolled, waitlisted } = await enroll(trx, studentId, plan);
    const courses = await coursesOf(trx, { studentId, statuses: currentStatuses });
    return {
      studentId,
      enrolled,
      alreadyEnrolled: without(ids, [...enrolled, ...waitlisted]),
      waitlisted,
      removed: removed.map((row) => row.courseId).sort((a, b) => a - b),
      courses,
    };
  });
}

/**
 * Drops one active or waitlisted enrollment (the record stays, status `dropped`) in one
 * statement that takes the writers' locks in their order (see {@link assignCourses}): the
 * student row, then the course row, then the pair. Each `materialized` CTE runs once, the
 * course's only after the student's (its WHERE reads it), and both before the update looks
 * for the pair; the student's also records who drops it, for the history entry. Updating
 * the pair first and letting the count trigger lock the course afterwards would deadlock
 * against an assignment of the same pair; skipping the student lock would let an
 * assignment that read the student's courses just before this commits take a seat that is
 * no longer there. The trigger gives a freed seat to the course's waitlist, in the same
 * statement.
 */
export async function removeEnrollment(
  db: Database,
  studentId: number,
  courseId: number,
  options: DropOptions = {},
): Promise<void> {
  const dropped = await dropPair(db, {
    studentId,
    courseId,
    change: changeOf(options.origin, options.reason ?? null),
  });
  if (dropped.length > 0) return;
  // Nothing dropped: say precisely what is missing, in one statement.
  const found = await StudentModel.query(db)
    .findById(studentId)
    .select("students.id", CourseModel.query().findById(courseId).select("courses.id").as("course_id"))
    .castTo<{ id: number; courseId: number | null } | undefined>();
  if (!found) throw new StudentNotFound(studentId);
  if (found.courseId === null) throw new CourseNotFound(courseId);
  throw new EnrollmentNotFound(studentId, courseId);
}

const dropPair = preparedQuery<{ studentId: number; courseId: number; change: string }, { courseId: number }>(
  "drop_enrollment",
  { studentId: "integer", courseId: "integer", change: "text" },
  (db, p) =>
    StudentCourseModel.query(db)
      .withMaterialized(
        "student",
        StudentModel.query()
          .select("students.id", StudentCourseModel.recordChange(p.change))
          .findById(p.studentId)
          .forNoKeyUpdate(),
      )
      .withMaterialized(
        "course",
        CourseModel.query()
          .select("courses.id")
          .findById(p.courseId)
          .whereExists(db.select(1).from("student"))
          .forUpdate(),
      )
      .patch({ status: "dropped", droppedAt: fn.now() })
      .where("student_id", db.select("id").from("student"))
      .where("course_id", db.select("id").from("course"))
      .where(StudentCourseModel.statusIsAnyOf("status", ["active", "waitlisted"]))
      .returning(StudentCourseModel.columnsAs(["courseId"])),
);

/** The transitions a PATCH may make; anything else is `invalid_transition`. */
const allowedTransitions: Record<EnrollmentStatus, ReadonlyArray<EnrollmentStatus>> = {
  active: ["completed", "dropped"],
  waitlisted: ["dropped"],
  dropped: [],
  completed: [],
};

/**
 * Completes or drops one enrollment (the PATCH), after checking that its status allows it;
 * answers the enrolled-course item. Takes the writers' locks in their order (student,
 * course, pair) and reads the pair's status under them, so the check is exact; a completion
 * or a drop of an active pair promotes the head of the waitlist in the same transaction
 * (the database's trigger).
 */
export async function updateEnrollment(
  db: Database,
  studentId: number,
  courseId: number,
  input: UpdateEnrollmentInput,
  options: { origin?: ChangeOrigin } = {},
): Promise<EnrolledCourse> {
  return db.transaction(async (trx) => {
    await lockStudent(trx, studentId, changeOf(options.origin, input.reason ?? null));
    const course = await CourseModel.query(trx).select("courses.id").findById(courseId).forUpdate();
    if (!course) throw new CourseNotFound(courseId);
    const pair = await StudentCourseModel.query(trx).select("status").findById([studentId, courseId]);
    if (!pair) throw new EnrollmentNotFound(studentId, courseId);
    if (!allowedTransitions[pair.status].includes(input.status)) {
      throw new InvalidTransition(pair.status, input.status);
    }
    await StudentCourseModel.query(trx)
      .patch(
        input.status === "dropped" ? { status: "dropped", droppedAt: fn.now() } : { status: "completed" },
      )
      .findById([studentId, courseId]);
    const [item] = await enrolledCourse(trx, { studentId, courseId });
    if (!item) throw new EnrollmentNotFound(studentId, courseId);
    return item;
  });
}

/** One pair as a student's course list shows it. */
const enrolledCourse = preparedQuery<{ studentId: number; courseId: number }, EnrolledCourse>(
  "enrolled_course",
  { studentId: "integer", courseId: "integer" },
  (db, p) =>
    StudentCourseModel.query(db)
      .select(courseColumns, enrollmentColumns)
      .join("courses", "courses.id", "student_courses.course_id")
      .where("student_courses.student_id", p.studentId)
      .where("student_courses.course_id", p.courseId),
);

/** The one row of nulls a left join yields for a student (course) with nothing enrolled. */
type AbsentRow = { id: null };

/** The version of the student's enrollment set, read on every row of the page. */
type Versioned = { version: string };

/**
 * A page of a student's courses by course id, in one statement: the left join from the
 * student row tells "no such student" (no row) from "no courses" (one row of nulls). The
 * cursor and the status filter are part of the join's condition, not of the WHERE, so that
 * a student with no course after it still has its row; Student.courses' relation join
 * cannot carry them, so the join is spelled with the relation's columns. Each row also
 * carries the version of the student's enrollment set, the source of the list's ETag: read
 * in the page's own statement it is the version of exactly these rows, and a conditional
 * GET costs no second statement.
 */
const studentCoursesPage = preparedQuery<
  { afterId: number; studentId: number; statuses: EnrollmentStatus[]; limit: number },
  (EnrolledCourse | AbsentRow) & Versioned
>(
  "list_student_courses",
  { afterId: "integer", studentId: "integer", statuses: "list", limit: "integer" },
  (db, p) =>
    StudentModel.query(db)
      .select(courseColumns, enrollmentColumns, StudentModel.enrollmentSetVersion())
      .leftJoin("student_courses", (join) =>
        join
          .on("student_courses.student_id", "students.id")
          .andOnVal("student_courses.course_id", ">", p.afterId)
          .andOn(StudentCourseModel.statusIsAnyOfInJoin(db, "student_courses.status", p.statuses)),
      )
      .leftJoin("courses", "courses.id", "student_courses.course_id")
      .where("students.id", p.studentId)
      .orderBy("student_courses.course_id")
      .limit(p.limit),
);

/** The enrollment-set version each page of a student's courses was read with. */
const pageVersions = new WeakMap<StudentCoursesPage, string>();

/**
 * The version of the student's enrollment set that `page` was read with, in the page's own
 * statement (what `enrollmentSetVersion` answered at that moment); undefined for a page
 * this process did not read.
 */
export function enrollmentSetVersionOf(page: StudentCoursesPage): string | undefined {
  return pageVersions.get(page);
}

export async function listStudentCourses(
  db: Database,
  studentId: number,
  page?: EnrollmentListInput,
): Promise<StudentCoursesPage> {
  const { afterId, limit } = pageWindow(page);
  const statuses = statusesOf(page?.status);
  const rows = await studentCoursesPage(db, { afterId, studentId, statuses, limit: limit + 1 });
  const version = rows[0]?.version;
  if (version === undefined) throw new StudentNotFound(studentId);
  const courses = rows.filter(isPresent).map(({ version: _version, ...course }) => course);
  const { items, nextCursor } = pageOf(courses, limit);
  const answer = { studentId, courses: items, nextCursor };
  pageVersions.set(answer, version);
  return answer;
}

/**
 * A page of a course's roster by student id, in one statement (as {@link studentCoursesPage}),
 * the page taken in a lateral subquery so that its cost does not grow with the course.
 */
const courseStudentsPage = preparedQuery<
  { afterId: number; courseId: number; statuses: EnrollmentStatus[]; limit: number },
  EnrolledStudent | AbsentRow
>(
  "list_course_students",
  { afterId: "integer", courseId: "integer", statuses: "list", limit: "integer" },
  (db, p) =>
    CourseModel.query(db)
      .select(studentColumns, enrollmentColumns)
      .joinRaw(...StudentCourseModel.coursePageJoin(p.afterId, p.statuses, p.limit))
      .leftJoin("students", "students.id", "student_courses.student_id")
      .where("courses.id", p.courseId)
      .orderBy("student_courses.student_id")
      .limit(p.limit),
);

/**
 * A page of a course's waitlist in waitlist order, in one statement, the page taken in a
 * lateral subquery (as {@link courseStudentsPage}). The page goes on after the place
 * (`waitlisted_at`, student id) of the previous page's last row, which its cursor carries
 * (paging.ts): a page asked for after the waitlist moved still starts where the last one
 * ended, whether that row was promoted since, dropped and waitlisted again, or deleted.
 */
const courseWaitlistPage = preparedQuery<
  { afterId: number; afterWaitlistedAtMicros: string; courseId: number; limit: number },
  (EnrolledStudent & { waitlistPlace: string }) | AbsentRow
>(
  "list_course_waitlist",
  { afterId: "integer", afterWaitlistedAtMicros: "text", courseId: "integer", limit: "integer" },
  (db, p) =>
    CourseModel.query(db)
      .select(studentColumns, waitlistPageEnrollmentColumns, StudentCourseModel.waitlistPlaceColumn())
      .joinRaw(...StudentCourseModel.waitlistPageJoin(p.afterId, p.afterWaitlistedAtMicros, p.limit))
      .leftJoin("students", "students.id", "student_courses.student_id")
      .where("courses.id", p.courseId)
      .orderBy([{ column: "student_courses.waitlisted_at" }, { column: "student_courses.student_id" }])
      .limit(p.limit),
);

export async function listCourseStudents(
  db: Database,
  courseId: number,
  page?: EnrollmentListInput,
): Promise<CourseStudentsPage> {
  const statuses = statusesOf(page?.status);
  if (statuses.length === 1 && statuses[0] === "waitlisted") return listCourseWaitlist(db, courseId, page);
  const { afterId, limit } = pageWindow(page);
  const rows = await courseStudentsPage(db, { afterId, courseId, statuses, limit: limit + 1 });
  if (rows.length === 0) throw new CourseNotFound(courseId);
  const { items, nextCursor } = pageOf(rows.filter(isPresent), limit);
  return { courseId, students: items, nextCursor };
}

/** `listCourseStudents` of the waitlisted only: in waitlist order, its cursor a place. */
async function listCourseWaitlist(
  db: Database,
  courseId: number,
  page: EnrollmentListInput | undefined,
): Promise<CourseStudentsPage> {
  const { afterId, limit, afterWaitlistedAtMicros } = waitlistPageWindow(page);
  const rows = await courseWaitlistPage(db, {
    afterId,
    afterWaitlistedAtMicros: afterWaitlistedAtMicros ?? "",
    courseId,
    limit: limit + 1,
  });
  if (rows.length === 0) throw new CourseNotFound(courseId);
  const { items, nextCursor } = pageOf(rows.filter(isPresent), limit, (last) =>
    encodeWaitlistCursor({ waitlistedAtMicros: last.waitlistPlace, studentId: last.id }),
  );
  return { courseId, students: items.map(({ waitlistPlace: _place, ...student }) => student), nextCursor };
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
    // The database's constraints are the last word; under the locks we take none of them
    // can fire, but if one does the client gets the answer it names, not a 500.
    if (isForeignKeyViolation(error)) throw new StudentNotFound(studentId);
    if (
      isCheckViolation(error, "courses_enrolled_count_within_capacity") ||
      isCheckViolation(error, "courses_waitlisted_count_within_capacity")
    ) {
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

/** Locks the student row and records, for the rest of the transaction, who makes the change. */
const lockStudentRow = preparedQuery<{ studentId: number; change: string }, { id: number }>(
  "lock_student",
  { studentId: "integer", change: "text" },
  (db, p) =>
    StudentModel.query(db)
      .select("students.id", StudentCourseModel.recordChange(p.change))
      .findById(p.studentId)
      .forNoKeyUpdate(),
);

async function lockStudent(trx: Transaction, studentId: number, change: string): Promise<void> {
  const [student] = await lockStudentRow(trx, { studentId, change });
  if (!student) throw new StudentNotFound(studentId);
}

/** A locked course: what its seat check reads, under the lock. */
type LockedCourse = {
  id: number;
  capacity: number | null;
  enrolledCount: number;
  waitlistCapacity: number;
  waitlistedCount: number;
  /** the student's status in this course when the course has no seat left, else null */
  mine: EnrollmentStatus | null;
};

function lockCoursesQuery(alsoCurrent: boolean) {
  return (db: Knex, p: { studentId: number; courseIds: readonly number[] }) =>
    CourseModel.query(db)
      .select(
        CourseModel.columnsAs(["id", "capacity", "enrolledCount", "waitlistCapacity", "waitlistedCount"]),
        // Looked up only for a course with no seat left, the one case it decides: the
        // conditions on the outer row let PostgreSQL skip the lookup for the others
        // (~3.5 ms of a 1,000-course assignment, EXPLAIN ANALYZE).
        CourseModel.relatedQuery("enrollments")
          .select("status")
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
            StudentModel.relatedQuery("enrollments")
              .for(p.studentId)
              .select("course_id")
              .where(StudentCourseModel.statusIsAnyOf("status", currentStatuses)),
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

/** The pairs to write and the status each gets. */
type EnrollmentPlan = { courseIds: number[]; statuses: EnrollmentStatus[] };

/**
 * Locks the named courses (ascending id) and, with `alsoCurrent`, the courses the student
 * has now (active or waitlisted); fails with every missing id at once, then with every named
 * course that has no seat (and, with `waitlist`, no waitlist place) left for this student.
 * Answers what to write: `active` where a seat is free (the write leaves a pair that is
 * already active or waitlisted alone), `waitlisted` where only the waitlist has room. A
 * course the student is already active or waitlisted in needs nothing.
 *
 * The counts are read under the row lock: FOR UPDATE waits for any writer holding the row
 * and then reads the version it committed, so they are exact. Only the courses are locked:
 * the student_courses rows are read in subqueries, which FOR UPDATE does not lock.
 */
async function lockCourses(
  trx: Transaction,
  studentId: number,
  ids: number[],
  { alsoCurrent = false, waitlist = false } = {},
): Promise<EnrollmentPlan> {
  const lock = alsoCurrent ? lockNamedAndCurrentCourses : lockNamedCourses;
  const locked = await lock(trx, { studentId, courseIds: ids });
  const named = new Set(ids);
  const found = locked.filter((course) => named.has(course.id));
  if (found.length !== ids.length) {
    const present = new Set(found.map((course) => course.id));
    throw new CoursesNotFound(ids.filter((id) => !present.has(id)));
  }
  const plan: EnrollmentPlan = { courseIds: [], statuses: [] };
  const full: number[] = [];
  for (const course of found) {
    const seatFree = course.capacity === null || course.enrolledCount < course.capacity;
    if (seatFree) {
      plan.courseIds.push(course.id);
      plan.statuses.push("active");
    } else if (course.mine === "active" || course.mine === "waitlisted") {
      // already has it: nothing to write
    } else if (waitlist && course.waitlistedCount < course.waitlistCapacity) {
      plan.courseIds.push(course.id);
      plan.statuses.push("waitlisted");
    } else {
      full.push(course.id);
    }
  }
  if (full.length > 0) throw new CourseFull(full);
  return plan;
}

/** Drops the student's current pairs with courses not in `courseIds`; resolves to the dropped ones. */
const dropOtherCourses = preparedQuery<{ studentId: number; courseIds: number[] }, { courseId: number }>(
  "drop_other_courses",
  kinds,
  (db, p) =>
    StudentCourseModel.query(db)
      .patch({ status: "dropped", droppedAt: fn.now() })
      .where("student_id", p.studentId)
      .where(StudentCourseModel.statusIsAnyOf("status", currentStatuses))
      .where(StudentCourseModel.isNoneOf("course_id", p.courseIds))
      .returning(StudentCourseModel.columnsAs(["courseId"])),
);

/** Writes the plan; resolves to the course ids newly active and newly waitlisted, ascending. */
async function enroll(
  trx: Transaction,
  studentId: number,
  plan: EnrollmentPlan,
): Promise<{ enrolled: number[]; waitlisted: number[] }> {
  const changed = await StudentCourseModel.enroll(trx, { studentId, ...plan });
  const ascending = (status: EnrollmentStatus) =>
    changed
      .filter((row) => row.status === status)
      .map((row) => row.courseId)
      .sort((a, b) => a - b);
  return { enrolled: ascending("active"), waitlisted: ascending("waitlisted") };
}

/** A student's courses of the given statuses by id, as the API returns them (the read-back of a write). */
const coursesOf = preparedQuery<{ studentId: number; statuses: EnrollmentStatus[] }, EnrolledCourse>(
  "courses_of_student",
  { studentId: "integer", statuses: "list" },
  (db, p) =>
    StudentModel.relatedQuery("courses", db)
      .for(p.studentId)
      .select(courseColumns, enrollmentColumns)
      .where(StudentCourseModel.statusIsAnyOf("student_courses.status", p.statuses))
      .orderBy("courses.id"),
);
