import {
  Course,
  type Database,
  type ImportedCourse,
  type ImportedTerm,
  Student,
  StudentCourse,
  Term,
} from "@registrar/db";
import type { Knex } from "knex";
import type { ImportError, ImportWarning } from "./package.ts";
import type { EnrollmentRow, ImportPlan } from "./plan.ts";
import { BULK_DROP_REASON, TOBEDELETED_DROP_REASON } from "./vocabulary.ts";

/** How many records of a kind an import created, updated, left unchanged, dropped and skipped. */
export type ImportCounts = {
  created: number;
  updated: number;
  unchanged: number;
  dropped: number;
  skipped: number;
};

export type ImportSummary = {
  students: ImportCounts;
  courses: ImportCounts;
  terms: ImportCounts;
  enrollments: ImportCounts;
  orgs: ImportCounts;
};

/** Who imports: the API key and its role (null without auth), for the history entries. */
export type ImportActor = { keyId: number | null; role: string | null };

const zero = (): ImportCounts => ({ created: 0, updated: 0, unchanged: 0, dropped: 0, skipped: 0 });

/**
 * Applies a checked plan in `trx`, set-based: a fixed number of statements whatever the
 * number of rows (each a JSON array or array parameters), in the writers' one lock order:
 * the students (ascending id), then the courses (ascending id), then their enrollments.
 * Rows that reference what neither the package nor the database has fail alone and are
 * reported; nothing that does not change is written (IS DISTINCT FROM guards), so a
 * second import of one package writes nothing, and leaves no history and no events.
 *
 * Seats: an imported enrollment takes a free seat; where the course has none, a waitlist
 * place (reported as a warning), as `POST /students/{id}/courses` with `waitlist: true`
 * does; where it has neither, the row fails with `course_full` and the rest applies. Rows
 * take seats in the order of the file.
 */
export async function applyImport(
  trx: Knex.Transaction,
  plan: ImportPlan,
  actor: ImportActor,
  { dryRun }: { dryRun: boolean },
): Promise<{ summary: ImportSummary; errors: ImportError[]; warnings: ImportWarning[] }> {
  const { errors, warnings } = plan;
  const summary: ImportSummary = {
    students: { ...zero(), skipped: plan.skipped.students },
    courses: { ...zero(), skipped: plan.skipped.courses },
    terms: { ...zero(), skipped: plan.skipped.terms },
    enrollments: { ...zero(), skipped: plan.skipped.enrollments },
    orgs: { ...zero(), skipped: plan.skipped.orgs },
  };
  const fail = (
    row: { file: string; line: number; sourcedId: string },
    code: ImportError["code"],
    message: string,
  ) => errors.push({ file: row.file, line: row.line, sourcedId: row.sourcedId, code, message });
  const change = (reason: string | null) => ({
    source: "import" as const,
    keyId: actor.keyId,
    role: actor.role,
    reason,
  });

  await StudentCourse.setChangeForImport(trx, change(null));

  // ---- students: locked first (the lock order), matched by sourcedId, then by email
  const studentIds = new Map<string, number>();
  const existingStudents = await Student.lockForImport(trx, {
    sourcedIds: unique([
      ...plan.students.map((s) => s.sourcedId),
      ...plan.enrollments.map((e) => e.userSourcedId),
    ]),
    emails: unique(plan.students.flatMap((s) => (s.email ? [s.email] : []))),
  });
  const bySourcedId = new Map(
    existingStudents.flatMap((s) => (s.sourcedId ? [[s.sourcedId, s] as const] : [])),
  );
  const byEmail = new Map(existingStudents.map((s) => [s.email.toLowerCase(), s]));
  for (const student of existingStudents)
    if (student.sourcedId) studentIds.set(student.sourcedId, student.id);
  const newStudents: Array<{ name: string; email: string; sourcedId: string; line: number }> = [];
  const changedStudents: Array<{ id: number; name: string; email: string; sourcedId: string }> = [];
  const emailsClaimed = new Map<string, string>();
  for (const row of plan.students) {
    const email = row.email?.toLowerCase();
    let match = bySourcedId.get(row.sourcedId);
    if (!match && email) {
      const byMail = byEmail.get(email);
      if (byMail && byMail.sourcedId !== null && byMail.sourcedId !== row.sourcedId) {
        fail(
          row,
          "email_taken",
          `email ${row.email} is student ${byMail.id}'s, whose sourcedId is ${byMail.sourcedId}.`,
        );
        plan.failed.students.add(row.sourcedId);
        continue;
      }
      match = byMail;
    }
    if (email) {
      const holder = byEmail.get(email);
      const claimedBy = emailsClaimed.get(email);
      if ((holder && match && holder.id !== match.id) || (holder && !match) || claimedBy !== undefined) {
        fail(
          row,
          "email_taken",
          `email ${row.email} belongs to another student${claimedBy ? ` (${claimedBy} in this file)` : ""}.`,
        );
        plan.failed.students.add(row.sourcedId);
        continue;
      }
      emailsClaimed.set(email, row.sourcedId);
    }
    if (!match) {
      if (!row.email) {
        fail(row, "missing_value", "email is required: Registrar keeps an email for every student.");
        plan.failed.students.add(row.sourcedId);
        continue;
      }
      newStudents.push({ name: row.name, email: row.email, sourcedId: row.sourcedId, line: row.line });
      continue;
    }
    studentIds.set(row.sourcedId, match.id);
    const wanted = {
      id: match.id,
      name: row.name,
      email: row.email ?? match.email,
      sourcedId: row.sourcedId,
    };
    if (wanted.name !== match.name || wanted.email !== match.email || wanted.sourcedId !== match.sourcedId) {
      changedStudents.push(wanted);
    } else {
      summary.students.unchanged++;
    }
  }
  for (const inserted of await Student.insertForImport(
    trx,
    newStudents.map(({ line: _line, ...student }) => student),
  )) {
    studentIds.set(inserted.sourcedId, inserted.id);
  }
  summary.students.created = newStudents.length;
  const studentsChanged = await Student.updateForImport(trx, changedStudents);
  summary.students.updated = studentsChanged.length;
  summary.students.unchanged += changedStudents.length - studentsChanged.length;

  // ---- terms: matched by sourcedId; parents set after every term has its id
  const termIds = new Map<string, number>();
  const existingTerms = await Term.lockForImport(
    trx,
    unique([
      ...plan.terms.flatMap((t) => [t.sourcedId, ...(t.parentSourcedId ? [t.parentSourcedId] : [])]),
      ...plan.courses.flatMap((c) => (c.termSourcedId ? [c.termSourcedId] : [])),
    ]),
  );
  const termsBySourcedId = new Map(existingTerms.map((t) => [t.sourcedId, t]));
  for (const term of existingTerms) termIds.set(term.sourcedId, term.id);
  const newTerms = plan.terms.filter((t) => !termsBySourcedId.has(t.sourcedId));
  for (const inserted of await Term.insertForImport(
    trx,
    newTerms.map(({ name, type, startsOn, endsOn, sourcedId }) => ({
      name,
      type,
      startsOn,
      endsOn,
      sourcedId,
    })),
  )) {
    termIds.set(inserted.sourcedId, inserted.id);
  }
  const termUpdates: ImportedTerm[] = [];
  for (const row of plan.terms) {
    let parentId: number | null = null;
    if (row.parentSourcedId) {
      parentId = termIds.get(row.parentSourcedId) ?? null;
      if (parentId === null) {
        warnings.push({
          file: row.file,
          line: row.line,
          sourcedId: row.sourcedId,
          code: "missing_parent",
          message: `parentSourcedId ${row.parentSourcedId} is neither in the package nor in Registrar: the term has no parent.`,
        });
      }
    }
    const id = termIds.get(row.sourcedId) as number;
    const existing = termsBySourcedId.get(row.sourcedId);
    if (!existing && parentId === null) continue;
    termUpdates.push({ ...row, id, parentId });
  }
  const termsChanged = new Set(await Term.updateForImport(trx, termUpdates));
  summary.terms.created = newTerms.length;
  for (const term of existingTerms) {
    if (!plan.terms.some((row) => row.sourcedId === term.sourcedId)) continue;
    if (termsChanged.has(term.id)) summary.terms.updated++;
    else summary.terms.unchanged++;
  }

  // ---- courses: locked (ascending id, after the students), matched by sourcedId
  const courseIds = new Map<string, number>();
  const existingCourses = await Course.lockForImport(
    trx,
    unique([...plan.courses.map((c) => c.sourcedId), ...plan.enrollments.map((e) => e.classSourcedId)]),
  );
  const coursesBySourcedId = new Map(existingCourses.map((c) => [c.sourcedId, c]));
  for (const course of existingCourses) courseIds.set(course.sourcedId, course.id);
  const newCourses: Array<Omit<ImportedCourse, "id">> = [];
  const courseUpdates: ImportedCourse[] = [];
  const importedClasses = new Set<string>();
  for (const row of plan.courses) {
    let termId: number | null = null;
    if (row.termSourcedId) {
      termId = termIds.get(row.termSourcedId) ?? null;
      if (termId === null) {
        fail(
          row,
          "missing_reference",
          missingMessage("termSourcedIds", row.termSourcedId, plan.failed.terms, plan.deleted.terms),
        );
        plan.failed.courses.add(row.sourcedId);
        continue;
      }
    }
    importedClasses.add(row.sourcedId);
    const wanted = { name: row.name, level: row.level, code: row.code, termId, sourcedId: row.sourcedId };
    const existing = coursesBySourcedId.get(row.sourcedId);
    if (existing) courseUpdates.push({ ...wanted, id: existing.id });
    else newCourses.push(wanted);
  }
  for (const inserted of await Course.insertForImport(trx, newCourses))
    courseIds.set(inserted.sourcedId, inserted.id);
  summary.courses.created = newCourses.length;
  const coursesChanged = (await Course.updateForImport(trx, courseUpdates)).length;
  summary.courses.updated = coursesChanged;
  summary.courses.unchanged = courseUpdates.length - coursesChanged;

  // ---- enrollments
  type Resolved = EnrollmentRow & { studentId: number; courseId: number };
  const resolved: Resolved[] = [];
  for (const row of plan.enrollments) {
    const studentId = studentIds.get(row.userSourcedId);
    const courseId = courseIds.get(row.classSourcedId);
    if (courseId === undefined) {
      if (row.valid) {
        fail(
          row,
          "missing_reference",
          missingMessage("classSourcedId", row.classSourcedId, plan.failed.courses, plan.deleted.courses),
        );
      }
      continue;
    }
    if (studentId === undefined) {
      if (row.valid) {
        fail(
          row,
          "missing_reference",
          missingMessage("userSourcedId", row.userSourcedId, plan.failed.students, plan.deleted.students),
        );
      }
      continue;
    }
    importedClasses.add(row.classSourcedId);
    resolved.push({ ...row, studentId, courseId });
  }
  const scope = unique(
    [...importedClasses].flatMap((sourcedId) => {
      const id = courseIds.get(sourcedId);
      return id === undefined ? [] : [id];
    }),
  );
  const current = await StudentCourse.ofCoursesForImport(trx, scope);
  const pairKey = (studentId: number, courseId: number) => `${studentId}:${courseId}`;
  const existingPairs = new Map(current.map((pair) => [pairKey(pair.studentId, pair.courseId), pair]));
  const listed = new Set(resolved.map((row) => pairKey(row.studentId, row.courseId)));

  // Bulk: the active enrollments of the imported classes that the file no longer lists.
  const bulkDrops = { studentIds: [] as number[], courseIds: [] as number[] };
  if (plan.files.enrollments === "bulk") {
    for (const pair of current) {
      if (pair.status === "active" && !listed.has(pairKey(pair.studentId, pair.courseId))) {
        bulkDrops.studentIds.push(pair.studentId);
        bulkDrops.courseIds.push(pair.courseId);
      }
    }
  }
  const deletedDrops = { studentIds: [] as number[], courseIds: [] as number[] };
  for (const row of resolved) {
    if (!row.drop || !row.valid) continue;
    const existing = existingPairs.get(pairKey(row.studentId, row.courseId));
    if (existing && (existing.status === "active" || existing.status === "waitlisted")) {
      deletedDrops.studentIds.push(row.studentId);
      deletedDrops.courseIds.push(row.courseId);
    } else {
      summary.enrollments.unchanged++;
    }
  }
  if (bulkDrops.studentIds.length > 0) {
    await StudentCourse.setChangeForImport(trx, change(BULK_DROP_REASON));
    summary.enrollments.dropped += await StudentCourse.dropForImport(trx, bulkDrops, false);
  }
  if (deletedDrops.studentIds.length > 0) {
    await StudentCourse.setChangeForImport(trx, change(TOBEDELETED_DROP_REASON));
    summary.enrollments.dropped += await StudentCourse.dropForImport(trx, deletedDrops, true);
  }

  // Seats as they are after the drops (and the promotions those made), under the course locks.
  const seats = new Map((await Course.seatsForImport(trx, scope)).map((course) => [course.id, course]));
  const writes: Parameters<typeof StudentCourse.upsertForImport>[1] = [];
  let updated = 0;
  for (const row of resolved) {
    if (row.drop || !row.valid) continue;
    const existing = existingPairs.get(pairKey(row.studentId, row.courseId));
    const holdsPlace = existing && (existing.status === "active" || existing.status === "waitlisted");
    if (holdsPlace) {
      if (existing.beginDate === row.beginDate && existing.endDate === row.endDate) {
        summary.enrollments.unchanged++;
        continue;
      }
      writes.push({
        studentId: row.studentId,
        courseId: row.courseId,
        status: "active",
        beginDate: row.beginDate,
        endDate: row.endDate,
      });
      updated++;
      continue;
    }
    const course = seats.get(row.courseId);
    let status: "active" | "waitlisted" = "active";
    if (course && course.capacity !== null && course.enrolledCount >= course.capacity) {
      if (course.waitlistedCount >= course.waitlistCapacity) {
        fail(row, "course_full", `class ${row.classSourcedId} has no seat and no waitlist place left.`);
        continue;
      }
      status = "waitlisted";
      course.waitlistedCount++;
      warnings.push({
        file: row.file,
        line: row.line,
        sourcedId: row.sourcedId,
        code: "waitlisted",
        message: `class ${row.classSourcedId} is full: ${row.userSourcedId} was put on its waitlist.`,
      });
    } else if (course) {
      course.enrolledCount++;
    }
    writes.push({
      studentId: row.studentId,
      courseId: row.courseId,
      status,
      beginDate: row.beginDate,
      endDate: row.endDate,
    });
    if (existing) updated++;
    else summary.enrollments.created++;
  }
  // The last statement, and the report reads nothing of its answer (the seats were counted
  // above, under the course locks): a dry run, which rolls back anyway, leaves it out. At
  // 100,000 enrollments it is most of the import's time (17 of 20 s on PGlite), as every
  // row also writes its history entry and its event.
  if (writes.length > 0 && !dryRun) {
    await StudentCourse.setChangeForImport(trx, change(null));
    await StudentCourse.upsertForImport(trx, writes);
  }
  summary.enrollments.updated = updated;
  return { summary, errors, warnings };
}

function missingMessage(
  column: string,
  sourcedId: string,
  failed: Set<string>,
  deleted: Set<string>,
): string {
  if (failed.has(sourcedId))
    return `${column} ${sourcedId} names a row that failed (see its error): this row was skipped.`;
  if (deleted.has(sourcedId)) {
    return `${column} ${sourcedId} is marked tobedeleted and Registrar does not have it: this row was skipped.`;
  }
  return `${column} ${sourcedId} is neither in the package nor in Registrar: this row was skipped.`;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export type { Database };
