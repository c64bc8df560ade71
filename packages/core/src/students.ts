import type { Database } from "@registrar/db";
import { isUniqueViolation } from "./database-errors.ts";
import { EmailTaken, StudentNotFound } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { preparedRaw } from "./prepared.ts";
import { firstRow, studentColumns } from "./rows.ts";
import type { CreateStudentInput, PageInput, Student, StudentPage, UpdateStudentFields } from "./schemas.ts";

const EMAIL_UNIQUE = "students_email_lower_unique";

export async function createStudent(db: Database, input: CreateStudentInput): Promise<Student> {
  try {
    const result = await db.raw<{ rows: Student[] }>(
      `insert into students (name, email) values (?, ?) returning ${studentColumns("students")}`,
      [input.name, input.email],
    );
    return firstRow(result.rows);
  } catch (error) {
    if (isUniqueViolation(error, EMAIL_UNIQUE)) throw new EmailTaken(input.email);
    throw error;
  }
}

export async function getStudent(db: Database, studentId: number): Promise<Student> {
  const result = await preparedRaw<{ rows: Student[] }>(
    db,
    "get_student",
    `select ${studentColumns("s")} from students s where s.id = ?`,
    [studentId],
  );
  const row = result.rows[0];
  if (!row) throw new StudentNotFound(studentId);
  return row;
}

export async function listStudents(db: Database, page?: PageInput): Promise<StudentPage> {
  const { afterId, limit } = pageWindow(page);
  const result = await preparedRaw<{ rows: Student[] }>(
    db,
    "list_students",
    `select ${studentColumns("s")} from students s where s.id > ? order by s.id limit ?`,
    [afterId, limit + 1],
  );
  const { items, nextCursor } = pageOf(result.rows, limit);
  return { students: items, nextCursor };
}

export async function updateStudent(
  db: Database,
  studentId: number,
  fields: UpdateStudentFields,
): Promise<Student> {
  const changes: Array<[column: string, value: string]> = [];
  if (fields.name !== undefined) changes.push(["name", fields.name]);
  if (fields.email !== undefined) changes.push(["email", fields.email]);
  // An empty patch changes nothing: answer the student as it is.
  if (changes.length === 0) return getStudent(db, studentId);
  try {
    const result = await db.raw<{ rows: Student[] }>(
      `update students set ${changes.map(([column]) => `${column} = ?`).join(", ")}, updated_at = now()
       where id = ? returning ${studentColumns("students")}`,
      [...changes.map(([, value]) => value), studentId],
    );
    const row = result.rows[0];
    if (!row) throw new StudentNotFound(studentId);
    return row;
  } catch (error) {
    if (isUniqueViolation(error, EMAIL_UNIQUE) && fields.email !== undefined)
      throw new EmailTaken(fields.email);
    throw error;
  }
}

/**
 * Deletes the student; its enrollments go with it (ON DELETE CASCADE) and the count
 * triggers subtract them from their courses. Before the cascade runs, the student row and
 * then its courses (ascending) are locked: the lock order of every enrollment writer (see
 * assignCourses). Cascading first would hold the enrollment rows while the triggers wait
 * for course locks, which deadlocks against a removal or a course deletion holding one.
 */
export async function deleteStudent(db: Database, studentId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const locked = await trx.raw<{ rows: unknown[] }>("select id from students where id = ? for update", [
      studentId,
    ]);
    if (locked.rows.length === 0) throw new StudentNotFound(studentId);
    await trx.raw(
      `select id from courses
       where id in (select course_id from student_courses where student_id = ?)
       order by id for update`,
      [studentId],
    );
    await trx.raw("delete from students where id = ?", [studentId]);
  });
}
