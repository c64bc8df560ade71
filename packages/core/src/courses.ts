import type { Database } from "@registrar/db";
import { isCheckViolation } from "./database-errors.ts";
import { CapacityBelowEnrolled, CourseNotFound } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { preparedRaw } from "./prepared.ts";
import { courseColumns, firstRow } from "./rows.ts";
import type { Course, CoursePage, CreateCourseInput, PageInput, UpdateCourseFields } from "./schemas.ts";

export async function createCourse(db: Database, input: CreateCourseInput): Promise<Course> {
  const result = await db.raw<{ rows: Course[] }>(
    `insert into courses (name, level, capacity) values (?, ?, ?) returning ${courseColumns("courses")}`,
    [input.name, input.level, input.capacity ?? null],
  );
  return firstRow(result.rows);
}

export async function getCourse(db: Database, courseId: number): Promise<Course> {
  const result = await preparedRaw<{ rows: Course[] }>(
    db,
    "get_course",
    `select ${courseColumns("c")} from courses c where c.id = ?`,
    [courseId],
  );
  const row = result.rows[0];
  if (!row) throw new CourseNotFound(courseId);
  return row;
}

export async function listCourses(db: Database, page?: PageInput): Promise<CoursePage> {
  const { afterId, limit } = pageWindow(page);
  const result = await preparedRaw<{ rows: Course[] }>(
    db,
    "list_courses",
    `select ${courseColumns("c")} from courses c where c.id > ? order by c.id limit ?`,
    [afterId, limit + 1],
  );
  const { items, nextCursor } = pageOf(result.rows, limit);
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
  const changes: Array<[column: string, value: string | number | null]> = [];
  if (fields.name !== undefined) changes.push(["name", fields.name]);
  if (fields.level !== undefined) changes.push(["level", fields.level]);
  if (fields.capacity !== undefined) changes.push(["capacity", fields.capacity]);
  if (changes.length === 0) return getCourse(db, courseId);

  try {
    const result = await db.raw<{ rows: Course[] }>(
      `update courses set ${changes.map(([column]) => `${column} = ?`).join(", ")}, updated_at = now()
       where id = ? returning ${courseColumns("courses")}`,
      [...changes.map(([, value]) => value), courseId],
    );
    const row = result.rows[0];
    if (!row) throw new CourseNotFound(courseId);
    return row;
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
  const result = await db.raw<{ rows: unknown[] }>("delete from courses where id = ? returning id", [
    courseId,
  ]);
  if (result.rows.length === 0) throw new CourseNotFound(courseId);
}
