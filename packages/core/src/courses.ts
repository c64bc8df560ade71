import { Course as CourseModel, type Database, preparedQuery } from "@registrar/db";
import { fn } from "objection";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./database-errors.ts";
import {
  CapacityBelowEnrolled,
  CourseNotFound,
  SourcedIdTaken,
  TermNotFound,
  WaitlistBelowCount,
} from "./errors.ts";
import { DEFAULT_PAGE_SIZE, pageOf, pageWindow } from "./paging.ts";
import { courseColumns } from "./rows.ts";
import type {
  Course,
  CourseListInput,
  CoursePage,
  CourseSort,
  CreateCourseInput,
  SortOrder,
  UpdateCourseFields,
} from "./schemas.ts";
import { containing } from "./search.ts";
import { decodeSortCursor, sortedPageOf } from "./sorting.ts";

const SOURCED_ID_UNIQUE = "courses_sourced_id_unique";

/** The database's refusals of a course's fields, as the contract names them. */
function courseFieldProblem(error: unknown, fields: { termId?: number | null; sourcedId?: string | null }) {
  // the only foreign key a course's own row has is its term
  if (isForeignKeyViolation(error) && typeof fields.termId === "number")
    return new TermNotFound(fields.termId, 422);
  if (isUniqueViolation(error, SOURCED_ID_UNIQUE) && fields.sourcedId)
    return new SourcedIdTaken(fields.sourcedId);
  return undefined;
}

export async function createCourse(db: Database, input: CreateCourseInput): Promise<Course> {
  try {
    const course = await CourseModel.query(db)
      .insert({
        name: input.name,
        level: input.level,
        capacity: input.capacity ?? null,
        code: input.code ?? null,
        termId: input.termId ?? null,
        waitlistCapacity: input.waitlistCapacity ?? 0,
        sourcedId: input.sourcedId ?? null,
      })
      .returning(courseColumns);
    return course.toJSON();
  } catch (error) {
    throw courseFieldProblem(error, input) ?? error;
  }
}

const courseById = preparedQuery<{ courseId: number }, Course>(
  "get_course",
  { courseId: "integer" },
  (db, p) => CourseModel.query(db).select(courseColumns).where("courses.id", p.courseId),
);

export async function getCourse(db: Database, courseId: number): Promise<Course> {
  const [row] = await courseById(db, { courseId });
  if (!row) throw new CourseNotFound(courseId);
  return row;
}

const coursesPage = preparedQuery<{ afterId: number; limit: number }, Course>(
  "list_courses",
  { afterId: "integer", limit: "integer" },
  (db, p) =>
    CourseModel.query(db)
      .select(courseColumns)
      .where("courses.id", ">", p.afterId)
      .orderBy("courses.id")
      .limit(p.limit),
);

/**
 * A page of the courses that match a search, by id: name or code containing `q` (ILIKE,
 * served by the trigram indexes of migration 20261201000300) and/or of one term (the
 * `(term_id, id)` index). Built per call: four shapes of WHERE, and no bench scenario
 * sends them on every request.
 */
async function matchingCoursesPage(
  db: Database,
  search: { q?: string | undefined; termId?: number | undefined; afterId: number; limit: number },
): Promise<Course[]> {
  const query = CourseModel.query(db).select(courseColumns).where("courses.id", ">", search.afterId);
  if (search.q !== undefined) {
    const pattern = containing(search.q);
    query.where((where) =>
      where.where("courses.name", "ilike", pattern).orWhere("courses.code", "ilike", pattern),
    );
  }
  if (search.termId !== undefined) query.where("courses.term_id", search.termId);
  // knex's rows, not model instances: the select already names each property (rows.ts)
  return (await query.orderBy("courses.id").limit(search.limit).toKnexQuery()) as Course[];
}

/**
 * A page of courses in another order than by id (`sort`, `order`), after the cursor's
 * `(key, id)`, filtered as above: keyset paging over the sort's `(key, id)` index
 * (migration 20261203000400), as for students.
 */
async function sortedCoursesPage(
  db: Database,
  page: CourseListInput & { sort: CourseSort; order: SortOrder },
): Promise<CoursePage> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const key = CourseModel.sortKeys[page.sort];
  const descending = page.order === "desc";
  const after = decodeSortCursor(page.cursor, page.sort, page.order, key);
  const query = CourseModel.query(db).select([...courseColumns, CourseModel.sortKeyColumn(key)]);
  if (page.q !== undefined) {
    const pattern = containing(page.q);
    query.where((where) =>
      where.where("courses.name", "ilike", pattern).orWhere("courses.code", "ilike", pattern),
    );
  }
  if (page.termId !== undefined) query.where("courses.term_id", page.termId);
  if (after) query.where(CourseModel.afterSortPosition(key, descending, after));
  const rows = (await query
    .orderByRaw(CourseModel.sortOrder(key, descending))
    .limit(limit + 1)
    .toKnexQuery()) as Array<Course & { sortKey: string }>;
  const { items, nextCursor } = sortedPageOf(rows, limit, page.sort, page.order);
  return { courses: items, nextCursor };
}

export async function listCourses(db: Database, page?: CourseListInput): Promise<CoursePage> {
  const sort = page?.sort ?? "id";
  const order = page?.order ?? "asc";
  // the default order (ascending id) keeps its prepared statements and its id cursors
  if (sort !== "id" || order !== "asc") return sortedCoursesPage(db, { ...page, sort, order });
  const { afterId, limit } = pageWindow(page);
  const rows =
    page?.q === undefined && page?.termId === undefined
      ? await coursesPage(db, { afterId, limit: limit + 1 })
      : await matchingCoursesPage(db, { q: page.q, termId: page.termId, afterId, limit: limit + 1 });
  const { items, nextCursor } = pageOf(rows, limit);
  return { courses: items, nextCursor };
}

/**
 * Updates a course in one statement. A capacity below the enrolled count, or a waitlist
 * capacity below the waitlisted count, is refused by the database (the
 * `courses_enrolled_count_within_capacity` and `courses_waitlisted_count_within_capacity`
 * CHECKs): the UPDATE takes the course's row lock, so it waits for any assignment holding
 * it and checks the counts that assignment committed. A raised capacity promotes the head
 * of the waitlist in the same statement (the `courses_capacity_raised` trigger). Nothing in
 * JavaScript can race it.
 */
export async function updateCourse(
  db: Database,
  courseId: number,
  fields: UpdateCourseFields,
): Promise<Course> {
  if (Object.values(fields).every((value) => value === undefined)) return getCourse(db, courseId);
  try {
    const course = await CourseModel.query(db)
      .patch({ ...fields, updatedAt: fn.now() })
      .findById(courseId)
      .returning(courseColumns);
    if (!course) throw new CourseNotFound(courseId);
    // RETURNING shows the row before the promotion its trigger made: read what it left.
    if (fields.capacity !== undefined && course.waitlistedCount > 0) return await getCourse(db, courseId);
    return course.toJSON();
  } catch (error) {
    const { capacity, waitlistCapacity } = fields;
    if (typeof capacity === "number" && isCheckViolation(error, "courses_enrolled_count_within_capacity")) {
      // The refused update changed nothing; read the count only to say it.
      const course = await getCourse(db, courseId);
      throw new CapacityBelowEnrolled(capacity, course.enrolledCount);
    }
    if (
      typeof waitlistCapacity === "number" &&
      isCheckViolation(error, "courses_waitlisted_count_within_capacity")
    ) {
      const course = await getCourse(db, courseId);
      throw new WaitlistBelowCount(waitlistCapacity, course.waitlistedCount);
    }
    throw courseFieldProblem(error, fields) ?? error;
  }
}

/** Deletes the course; its enrollments and their history go with it (ON DELETE CASCADE). */
export async function deleteCourse(db: Database, courseId: number): Promise<void> {
  const deleted = await CourseModel.query(db).deleteById(courseId);
  if (deleted === 0) throw new CourseNotFound(courseId);
}
