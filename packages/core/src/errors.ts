import {
  type ProblemCode,
  type ProblemExtras,
  type ProblemExtrasAt,
  problemCodes,
  problemLimits,
  type ValidationIssue,
} from "@registrar/contract";

/**
 * Domain errors: each carries the contract's stable `code`, its HTTP status and the
 * extra members of its problem object (camelCase; REST renames them to snake_case), typed
 * from the contract's table of codes.
 */

export { type ProblemCode, problemCodes, problemLimits, type ValidationIssue };

/** `text` cut to at most `max` characters, ending in an ellipsis when cut. */
export function clipped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export class DomainError<Extras extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly extras: Extras;

  constructor(code: ProblemCode, detail: string, extras: Extras, status?: number) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.status = status ?? problemCodes[code].status;
    this.extras = extras;
  }
}

/** The first {@link problemLimits}`.issues` faults, each clipped; the detail counts them all. */
export class ValidationFailed extends DomainError<ProblemExtras<"validation_failed">> {
  constructor(issues: ValidationIssue[]) {
    const errors = issues.slice(0, problemLimits.issues).map((issue) => ({
      path: clipped(issue.path, problemLimits.issuePath),
      message: clipped(issue.message, problemLimits.issueMessage),
    }));
    const first = errors[0];
    super(
      "validation_failed",
      first
        ? `${first.path ? `${first.path}: ` : ""}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`
        : "The request is not valid.",
      { errors },
    );
  }
}

export class StudentNotFound extends DomainError<ProblemExtras<"student_not_found">> {
  constructor(studentId: number) {
    super("student_not_found", `Student ${studentId} does not exist.`, { studentId });
  }
}

export class CourseNotFound extends DomainError<ProblemExtrasAt<"course_not_found", 404>> {
  constructor(courseId: number) {
    super("course_not_found", `Course ${courseId} does not exist.`, { courseId });
  }
}

/** An assignment names courses that do not exist: the body is at fault, hence 422. */
export class CoursesNotFound extends DomainError<ProblemExtrasAt<"course_not_found", 422>> {
  constructor(missingCourseIds: number[]) {
    super(
      "course_not_found",
      `No course with id ${missingCourseIds.join(", ")}; nothing was enrolled.`,
      { missingCourseIds },
      422,
    );
  }
}

export class EnrollmentNotFound extends DomainError<ProblemExtras<"enrollment_not_found">> {
  constructor(studentId: number, courseId: number) {
    super("enrollment_not_found", `Student ${studentId} is not enrolled in course ${courseId}.`, {
      studentId,
      courseId,
    });
  }
}

export class CourseFull extends DomainError<ProblemExtras<"course_full">> {
  constructor(fullCourseIds: number[]) {
    super("course_full", `No seat left in course ${fullCourseIds.join(", ")}; nothing was enrolled.`, {
      fullCourseIds,
    });
  }
}

export class EmailTaken extends DomainError<ProblemExtras<"email_taken">> {
  constructor(email: string) {
    super("email_taken", `The email ${email} is already used by another student.`, { email });
  }
}

export class CapacityBelowEnrolled extends DomainError<ProblemExtras<"capacity_below_enrolled">> {
  constructor(capacity: number, enrolledCount: number) {
    super(
      "capacity_below_enrolled",
      `Capacity ${capacity} is below the ${enrolledCount} students already enrolled.`,
      { capacity, enrolledCount },
    );
  }
}

/** A path term id that does not exist (404), or a body that names one (422). */
export class TermNotFound extends DomainError<{ termId: number }> {
  constructor(termId: number, status: 404 | 422 = 404) {
    super("term_not_found", `Term ${termId} does not exist.`, { termId }, status);
  }
}

export class TermInUse extends DomainError<{ termId: number }> {
  constructor(termId: number) {
    super(
      "term_in_use",
      `Term ${termId} is the term of a course or the parent of a term; it was not deleted.`,
      {
        termId,
      },
    );
  }
}

export class SourcedIdTaken extends DomainError<{ sourcedId: string }> {
  constructor(sourcedId: string) {
    super("sourced_id_taken", `The sourced id ${sourcedId} is already used by another record of this type.`, {
      sourcedId,
    });
  }
}

export class InvalidTransition extends DomainError<{ from: string; to: string }> {
  constructor(from: string, to: string) {
    super("invalid_transition", `An enrollment that is ${from} cannot become ${to}.`, { from, to });
  }
}

export class WaitlistBelowCount extends DomainError<{ waitlistCapacity: number; waitlistedCount: number }> {
  constructor(waitlistCapacity: number, waitlistedCount: number) {
    super(
      "waitlist_below_count",
      `Waitlist capacity ${waitlistCapacity} is below the ${waitlistedCount} students already waitlisted.`,
      { waitlistCapacity, waitlistedCount },
    );
  }
}

/** Errors of the transport rather than the domain, raised by the adapters. */
export class RequestProblem extends DomainError {
  constructor(code: ProblemCode, detail: string, extras: Record<string, unknown> = {}) {
    super(code, detail, extras);
  }
}
