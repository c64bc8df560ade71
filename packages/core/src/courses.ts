import type { Database } from "@registrar/db";
import { CapacityBelowEnrolled, CourseNotFound } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { preparedRaw } from "./prepared.ts";
import { type CourseRow, courseColumns, firstRow, toCourse } from "./rows.ts";
import type { Course, CoursePage, CreateCourseInput, PageInput, UpdateCourseFields } from "./schemas.ts";

export async function createCourse(db: Database, input: CreateCourseInput): Promise<Course> {
  const result = await db.raw<{ rows: CourseRow[] }>(
    `insert into courses (name, level, capacity) values (?, ?, ?) returning ${courseColumns("courses")}`,
    [input.name, input.level, input.capacity ?? null],
  );
  return toCourse(firstRow(result.rows));
}

export async function getCourse(db: Database, courseId: number): Promise<Course> {
  const result = await preparedRaw<{ rows: CourseRow[] }>(
    db,
    "get_course",
    `select ${courseColumns("c")} from courses c where c.id = ?`,
    [courseId],
  );
  const row = result.rows[0];
  if (!row) throw new CourseNotFound(courseId);
  return toCourse(row);
}

export async function listCourses(db: Database, page?: PageInput): Promise<CoursePage> {
  const { afterId, limit } = pageWindow(page);
  const result = await preparedRaw<{ rows: CourseRow[] }>(
    db,
    "list_courses",
    `select ${courseColumns("c")} from courses c where c.id > ? order by c.id limit ?`,
    [afterId, limit + 1],
  );
  const { items, nextCursor } = pageOf(result.rows, limit);
  return { courses: items.map(toCourse), nextCursor };
}

/**
 * Updates a course. Lowering the capacity locks the course row first, so no assignment
 * can slip in between counting the enrolled students and writing the new capacity.
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

  const update = (trx: Database) =>
    trx.raw<{ rows: CourseRow[] }>(
      `update courses set ${changes.map(([column]) => `${column} = ?`).join(", ")}, updated_at = now()
       where id = ? returning ${courseColumns("courses")}`,
      [...changes.map(([, value]) => value), courseId],
    );

  const capacity = fields.capacity;
  if (capacity === undefined || capacity === null) {
    const result = await update(db);
    const row = result.rows[0];
    if (!row) throw new CourseNotFound(courseId);
    return toCourse(row);
  }
  return db.transaction(async (trx) => {
    const locked = await trx.raw<{ rows: unknown[] }>("select id from courses where id = ? for update", [
      courseId,
    ]);
    if (locked.rows.length === 0) throw new CourseNotFound(courseId);
    // Counted in a statement of its own, after the lock: its snapshot then includes every
    // enrollment committed by the assignments we waited for.
    const counted = await trx.raw<{ rows: Array<{ enrolledCount: number }> }>(
      `select count(*)::int as "enrolledCount" from student_courses where course_id = ?`,
      [courseId],
    );
    const enrolledCount = counted.rows[0]?.enrolledCount ?? 0;
    if (capacity < enrolledCount) throw new CapacityBelowEnrolled(capacity, enrolledCount);
    const result = await update(trx);
    return toCourse(firstRow(result.rows));
  });
}

/** Deletes the course; its enrollments go with it (ON DELETE CASCADE). */
export async function deleteCourse(db: Database, courseId: number): Promise<void> {
  const result = await db.raw<{ rows: unknown[] }>("delete from courses where id = ? returning id", [
    courseId,
  ]);
  if (result.rows.length === 0) throw new CourseNotFound(courseId);
}
