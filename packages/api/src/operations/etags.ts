import {
  enrollmentSetVersion,
  enrollmentSetVersionOf,
  lockedCourse,
  lockedStudent,
  lockedTerm,
  type StudentCoursesPage,
} from "@registrar/core";
import type { EtagSource } from "./define-operation.ts";

/** A student's ETag: of the student as GET answers it. */
export const studentEtag: EtagSource<{ id: number }> = {
  answerIsCurrent: true,
  current: (db, { id }) => lockedStudent(db, id),
};

/** A course's ETag: of the course as GET answers it, `enrolled_count` included. */
export const courseEtag: EtagSource<{ id: number }> = {
  answerIsCurrent: true,
  current: (db, { id }) => lockedCourse(db, id),
};

/** A term's ETag: of the term as GET answers it. */
export const termEtag: EtagSource<{ id: number }> = {
  answerIsCurrent: true,
  current: (db, { id }) => lockedTerm(db, id),
};

/**
 * The ETag of a student's enrollment set (`/students/{id}/courses` and every write under
 * it): of the version the database bumps with each change to the student's enrollments.
 */
export const enrollmentSetEtag: EtagSource<{ studentId: number }> = {
  current: async (db, { studentId }, { lock }) => {
    const version = await enrollmentSetVersion(db, studentId, { lock });
    return version === undefined ? undefined : { studentId, enrollmentSet: version };
  },
};

/** The ETag of `GET /students/{id}/courses`: the enrollment set's, read with the page itself. */
export const studentCoursesEtag: EtagSource<{ studentId: number }, StudentCoursesPage> = {
  ...enrollmentSetEtag,
  ofAnswer: (page) => {
    const version = enrollmentSetVersionOf(page);
    return version === undefined ? undefined : { studentId: page.studentId, enrollmentSet: version };
  },
};
