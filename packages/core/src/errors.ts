/**
 * Domain errors: each carries the contract's stable `code`, its HTTP status and the
 * extra members of its problem object (camelCase; REST renames them to snake_case).
 */

export const problemCodes = {
  validation_failed: { status: 400, title: "Validation failed" },
  invalid_json: { status: 400, title: "Malformed JSON" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  student_not_found: { status: 404, title: "Student not found" },
  course_not_found: { status: 404, title: "Course not found" },
  enrollment_not_found: { status: 404, title: "Enrollment not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  email_taken: { status: 409, title: "Email already taken" },
  course_full: { status: 409, title: "Course full" },
  capacity_below_enrolled: { status: 409, title: "Capacity below enrolled count" },
  term_not_found: { status: 404, title: "Term not found" },
  term_in_use: { status: 409, title: "Term in use" },
  sourced_id_taken: { status: 409, title: "Sourced id already taken" },
  invalid_transition: { status: 409, title: "Invalid transition" },
  waitlist_below_count: { status: 409, title: "Waitlist capacity below waitlisted count" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof problemCodes;

export type ValidationIssue = { path: string; message: string };

/**
 * How much of the request a problem may echo back. Paths, messages and details can quote
 * input (an unknown key, a number as written, a URL path), and a 1 MiB body can hold
 * thousands of faults: without bounds an error answer could be as large as the request,
 * and the OpenAPI document could not say how large it is.
 */
export const problemLimits = { detail: 1000, issues: 100, issuePath: 200, issueMessage: 300 } as const;

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
export class ValidationFailed extends DomainError<{ errors: ValidationIssue[] }> {
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

export class StudentNotFound extends DomainError<{ studentId: number }> {
  constructor(studentId: number) {
    super("student_not_found", `Student ${studentId} does not exist.`, { studentId });
  }
}

export class CourseNotFound extends DomainError<{ courseId: number }> {
  constructor(courseId: number) {
    super("course_not_found", `Course ${courseId} does not exist.`, { courseId });
  }
}

/** An assignment names courses that do not exist: the body is at fault, hence 422. */
export class CoursesNotFound extends DomainError<{ missingCourseIds: number[] }> {
  constructor(missingCourseIds: number[]) {
    super(
      "course_not_found",
      `No course with id ${missingCourseIds.join(", ")}; nothing was enrolled.`,
      { missingCourseIds },
      422,
    );
  }
}

export class EnrollmentNotFound extends DomainError<{ studentId: number; courseId: number }> {
  constructor(studentId: number, courseId: number) {
    super("enrollment_not_found", `Student ${studentId} is not enrolled in course ${courseId}.`, {
      studentId,
      courseId,
    });
  }
}

export class CourseFull extends DomainError<{ fullCourseIds: number[] }> {
  constructor(fullCourseIds: number[]) {
    super("course_full", `No seat left in course ${fullCourseIds.join(", ")}; nothing was enrolled.`, {
      fullCourseIds,
    });
  }
}

export class EmailTaken extends DomainError<{ email: string }> {
  constructor(email: string) {
    super("email_taken", `The email ${email} is already used by another student.`, { email });
  }
}

export class CapacityBelowEnrolled extends DomainError<{ capacity: number; enrolledCount: number }> {
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
