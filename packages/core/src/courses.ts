import { Course as CourseModel, type Database, preparedQuery } from "@registrar/db";
import { fn } from "objection";
import { isCheckViolation } from "./database-errors.ts";
import { CapacityBelowEnrolled, CourseNotFound } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { courseColumns } from "./rows.ts";
import type { Course, CoursePage, CreateCourseInput, PageInput, UpdateCourseFields } from "./schemas.ts";

export async function createCourse(db: Database, input: CreateCourseInput): Promise<Course> {
  const course = await CourseModel.query(db)
    .insert({ name: input.name, level: input.level, capacity: input.capacity ?? null })
    .returning(courseColumns);
  return course.toJSON();
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

export async function listCourses(db: Database, page?: PageInput): Promise<CoursePage> {
  const { afterId, limit } = pageWindow(page);
  const rows = await coursesPage(db, { afterId, limit: limit + 1 });
  const { items, nextCursor } = pageOf(rows, limit);
  return { courses: items, nextCursor };
}

/**
 * Updates a course in one statement. A capacity below the enrolled count is refused by the
 * database (the `courses_enrolled_count_within_capacity` CHECK): the UPDATE takes the
 * course's row lock, so it waits for any assignment holding it and checks the count that
 * assignment committed. Nothing in JavaScript can race it.
 */
export async function updateCourse(
  db: Database,
  courseId: number,
  fields: UpdateCourseFields,
): Promise<Course> {
  if (fields.name === undefined && fields.level === undefined && fields.capacity === undefined) {
    return getCourse(db, courseId);
  }
  try {
    const course = await CourseModel.query(db)
      .patch({ ...fields, updatedAt: fn.now() })
      .findById(courseId)
      .returning(courseColumns);
    if (!course) throw new CourseNotFound(courseId);
    return course.toJSON();
  } catch (error) {
    const capacity = fields.capacity;
    if (typeof capacity === "number" && isCheckViolation(error, "courses_enrolled_count_within_capacity")) {
      // The refused update changed nothing; read the count only to say it.
      const course = await getCourse(db, courseId);
      throw new CapacityBelowEnrolled(capacity, course.enrolledCount);
    }
    throw error;
  }
}

/** Deletes the course; its enrollments go with it (ON DELETE CASCADE). */
export async function deleteCourse(db: Database, courseId: number): Promise<void> {
  const deleted = await CourseModel.query(db).deleteById(courseId);
  if (deleted === 0) throw new CourseNotFound(courseId);
}
