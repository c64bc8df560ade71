import {
  Course as CourseModel,
  type Database,
  EnrollmentHistory,
  StudentCourse as StudentCourseModel,
  Student as StudentModel,
} from "@registrar/db";
import { CourseNotFound, EnrollmentNotFound, StudentNotFound } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import type { HistoryEntry, HistoryInput, HistoryPage } from "./schemas.ts";

const entryColumns = EnrollmentHistory.columnsAs([
  "id",
  "at",
  "studentId",
  "courseId",
  "action",
  "fromStatus",
  "toStatus",
  "reason",
  "actorKeyId",
  "actorRole",
  "source",
]);

type EntryRow = Omit<HistoryEntry, "actor"> & { actorKeyId: number | null; actorRole: string | null };

/**
 * History entries of a pair, a student or a course, oldest first, paged by entry id. Entries
 * are written by the database in the transaction of each change (migration
 * 20261201000200); this only reads them. A pair that never existed answers
 * `enrollment_not_found`; a student or course that does not exist, its own not-found.
 */
export async function listHistory(db: Database, input: HistoryInput): Promise<HistoryPage> {
  const { afterId, limit } = pageWindow(input);
  const { studentId, courseId } = input;
  if (studentId !== undefined && courseId !== undefined) {
    const pair = await StudentCourseModel.query(db).select("student_id").findById([studentId, courseId]);
    if (!pair) throw new EnrollmentNotFound(studentId, courseId);
  } else if (studentId !== undefined) {
    if (!(await StudentModel.query(db).select("students.id").findById(studentId))) {
      throw new StudentNotFound(studentId);
    }
  } else if (courseId !== undefined) {
    if (!(await CourseModel.query(db).select("courses.id").findById(courseId))) {
      throw new CourseNotFound(courseId);
    }
  }
  const query = EnrollmentHistory.query(db).select(entryColumns).where("enrollment_history.id", ">", afterId);
  if (studentId !== undefined) query.where("enrollment_history.student_id", studentId);
  if (courseId !== undefined) query.where("enrollment_history.course_id", courseId);
  const rows = (await query
    .orderBy("enrollment_history.id")
    .limit(limit + 1)
    .toKnexQuery()) as EntryRow[];
  const { items, nextCursor } = pageOf(rows, limit);
  return { events: items.map(toEntry), nextCursor };
}

function toEntry({ actorKeyId, actorRole, ...row }: EntryRow): HistoryEntry {
  return {
    id: row.id,
    at: row.at,
    studentId: row.studentId,
    courseId: row.courseId,
    action: row.action,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    reason: row.reason,
    actor: { keyId: actorKeyId, role: actorRole as HistoryEntry["actor"]["role"] },
    source: row.source,
  };
}
