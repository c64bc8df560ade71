import { Course as CourseModel, type Database, preparedQuery, Student as StudentModel } from "@registrar/db";
import { fn } from "objection";
import { isUniqueViolation } from "./database-errors.ts";
import { EmailTaken, SourcedIdTaken, StudentNotFound } from "./errors.ts";
import { DEFAULT_PAGE_SIZE, pageOf, pageWindow } from "./paging.ts";
import { studentColumns } from "./rows.ts";
import type {
  CreateStudentInput,
  SortOrder,
  Student,
  StudentListInput,
  StudentPage,
  StudentSort,
  UpdateStudentFields,
} from "./schemas.ts";
import { containing } from "./search.ts";
import { decodeSortCursor, sortedPageOf } from "./sorting.ts";

const EMAIL_UNIQUE = "students_email_lower_unique";
const SOURCED_ID_UNIQUE = "students_sourced_id_unique";

export async function createStudent(db: Database, input: CreateStudentInput): Promise<Student> {
  try {
    const student = await StudentModel.query(db)
      .insert({ name: input.name, email: input.email, sourcedId: input.sourcedId ?? null })
      .returning(studentColumns);
    return student.toJSON();
  } catch (error) {
    if (isUniqueViolation(error, EMAIL_UNIQUE)) throw new EmailTaken(input.email);
    if (isUniqueViolation(error, SOURCED_ID_UNIQUE) && input.sourcedId)
      throw new SourcedIdTaken(input.sourcedId);
    throw error;
  }
}

const studentById = preparedQuery<{ studentId: number }, Student>(
  "get_student",
  { studentId: "integer" },
  (db, p) => StudentModel.query(db).select(studentColumns).where("students.id", p.studentId),
);

export async function getStudent(db: Database, studentId: number): Promise<Student> {
  const [row] = await studentById(db, { studentId });
  if (!row) throw new StudentNotFound(studentId);
  return row;
}

const studentsPage = preparedQuery<{ afterId: number; limit: number }, Student>(
  "list_students",
  { afterId: "integer", limit: "integer" },
  (db, p) =>
    StudentModel.query(db)
      .select(studentColumns)
      .where("students.id", ">", p.afterId)
      .orderBy("students.id")
      .limit(p.limit),
);

/**
 * A page of the students whose name or email contains `pattern` (ILIKE), by id: the
 * trigram indexes on both columns answer it (migration 20261201000300), so the search
 * covers every row without reading them all.
 */
const matchingStudentsPage = preparedQuery<{ pattern: string; afterId: number; limit: number }, Student>(
  "search_students",
  { pattern: "text", afterId: "integer", limit: "integer" },
  (db, p) =>
    StudentModel.query(db)
      .select(studentColumns)
      .where((where) =>
        where.where("students.name", "ilike", p.pattern).orWhere("students.email", "ilike", p.pattern),
      )
      .where("students.id", ">", p.afterId)
      .orderBy("students.id")
      .limit(p.limit),
  // the trigram indexes serve a rare pattern, the primary key a common one: plan per pattern
  { planEachRun: true },
);

/**
 * A page of students in another order than by id (`sort`, `order`), after the cursor's
 * `(key, id)`, searched as above when `q` is given: keyset paging over the `(key, id)`
 * index of the sort (migration 20261203000400), so that a page costs its rows whatever
 * the table's size, and rows added or changed between pages neither repeat nor hide rows
 * already passed. Built per call: eight shapes, none on a hot path.
 */
async function sortedStudentsPage(
  db: Database,
  page: StudentListInput & { sort: StudentSort; order: SortOrder },
): Promise<StudentPage> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  const key = StudentModel.sortKeys[page.sort];
  const descending = page.order === "desc";
  const after = decodeSortCursor(page.cursor, page.sort, page.order, key);
  const query = StudentModel.query(db).select([...studentColumns, StudentModel.sortKeyColumn(key)]);
  if (page.q !== undefined) {
    const pattern = containing(page.q);
    query.where((where) =>
      where.where("students.name", "ilike", pattern).orWhere("students.email", "ilike", pattern),
    );
  }
  if (after) query.where(StudentModel.afterSortPosition(key, descending, after));
  // knex's rows, not model instances: the select already names each property (rows.ts)
  const rows = (await query
    .orderByRaw(StudentModel.sortOrder(key, descending))
    .limit(limit + 1)
    .toKnexQuery()) as Array<Student & { sortKey: string }>;
  const { items, nextCursor } = sortedPageOf(rows, limit, page.sort, page.order);
  return { students: items, nextCursor };
}

export async function listStudents(db: Database, page?: StudentListInput): Promise<StudentPage> {
  const sort = page?.sort ?? "id";
  const order = page?.order ?? "asc";
  // the default order (ascending id) keeps its prepared statements and its id cursors
  if (sort !== "id" || order !== "asc") return sortedStudentsPage(db, { ...page, sort, order });
  const { afterId, limit } = pageWindow(page);
  const rows =
    page?.q === undefined
      ? await studentsPage(db, { afterId, limit: limit + 1 })
      : await matchingStudentsPage(db, { pattern: containing(page.q), afterId, limit: limit + 1 });
  const { items, nextCursor } = pageOf(rows, limit);
  return { students: items, nextCursor };
}

export async function updateStudent(
  db: Database,
  studentId: number,
  fields: UpdateStudentFields,
): Promise<Student> {
  // An empty patch changes nothing: answer the student as it is.
  if (fields.name === undefined && fields.email === undefined && fields.sourcedId === undefined) {
    return getStudent(db, studentId);
  }
  try {
    const student = await StudentModel.query(db)
      .patch({ ...fields, updatedAt: fn.now() })
      .findById(studentId)
      .returning(studentColumns);
    if (!student) throw new StudentNotFound(studentId);
    return student.toJSON();
  } catch (error) {
    if (isUniqueViolation(error, EMAIL_UNIQUE) && fields.email !== undefined)
      throw new EmailTaken(fields.email);
    if (isUniqueViolation(error, SOURCED_ID_UNIQUE) && fields.sourcedId)
      throw new SourcedIdTaken(fields.sourcedId);
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
    const student = await StudentModel.query(trx).select("students.id").findById(studentId).forUpdate();
    if (!student) throw new StudentNotFound(studentId);
    // `whereIn` rather than the relation's join: FOR UPDATE then locks the course rows
    // only, not the student_courses rows the join would also return.
    await CourseModel.query(trx)
      .select("courses.id")
      .whereIn("courses.id", StudentModel.relatedQuery("enrollments").for(studentId).select("course_id"))
      .orderBy("courses.id")
      .forUpdate();
    await StudentModel.query(trx).deleteById(studentId);
  });
}
