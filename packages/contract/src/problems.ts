// The contract's problem codes (RFC 9457 `code`), their HTTP statuses and their extra members,
// as one table: core builds its domain errors and problems from it, the OpenAPI document its
// per-code schemas, the SDK its discriminated `RegistrarError`. Extras are named camelCase as
// tRPC and the SDK carry them; REST renames them to snake_case on the wire.

/** The statuses of an enrollment (v1.1), as `invalid_transition` names them. */
export const enrollmentStatuses = ["active", "waitlisted", "dropped", "completed"] as const;
export type EnrollmentStatus = (typeof enrollmentStatuses)[number];

/** One entry of `validation_failed`'s `errors`: a dotted path (`course_ids.3`) and what is wrong. */
export type ValidationIssue = { path: string; message: string };

/**
 * How much of the request a problem may echo back. Paths, messages and details can quote
 * input (an unknown key, a number as written, a URL path), and a 1 MiB body can hold
 * thousands of faults: without bounds an error answer could be as large as the request,
 * and the OpenAPI document could not say how large it is.
 */
export const problemLimits = { detail: 1000, issues: 100, issuePath: 200, issueMessage: 300 } as const;

/** What an extra member holds. A kind, not a type, so the table exists at run time too. */
export type ExtraKind = keyof ExtraValues;
/** The value of each kind of extra member. */
export type ExtraValues = {
  /** an id, 1..MAX_ID */
  id: number;
  /** ids, 1..MAX_ID each */
  ids: number[];
  /** the email address at fault */
  email: string;
  /** a number of seats */
  seats: number;
  /** a count of rows, 0..MAX_ID */
  count: number;
  /** validation_failed's faults */
  issues: ValidationIssue[];
  /** an enrollment status */
  enrollmentStatus: EnrollmentStatus;
  /** whole seconds to wait */
  seconds: number;
  /** the methods a path allows, `GET, HEAD` */
  methods: string;
};

type Extras = Readonly<Record<string, ExtraKind>>;

/** One way a code is answered: its status and the extra members its body carries. */
export type ProblemAnswerSpec = { readonly status: number; readonly extras: Extras };

export type ProblemCodeSpec = ProblemAnswerSpec & {
  readonly title: string;
  /**
   * Extras that REST sends as a response header (`Retry-After`, `Allow`) and tRPC as a member;
   * the SDK puts `retryAfter` back into a REST problem, so it reads the same from either.
   */
  readonly headers?: Readonly<Record<string, { readonly header: string; readonly kind: ExtraKind }>>;
  /** The same code answered with another status and other extras. */
  readonly otherAnswers?: readonly ProblemAnswerSpec[];
};

const retryAfter = { retryAfter: { header: "Retry-After", kind: "seconds" } } as const;

export const problemCodes = {
  validation_failed: { status: 400, title: "Validation failed", extras: { errors: "issues" } },
  invalid_json: { status: 400, title: "Malformed JSON", extras: {} },
  unauthorized: { status: 401, title: "Unauthorized", extras: {} },
  forbidden: { status: 403, title: "Forbidden", extras: {} },
  not_found: { status: 404, title: "Not found", extras: {} },
  student_not_found: { status: 404, title: "Student not found", extras: { studentId: "id" } },
  course_not_found: {
    status: 404,
    title: "Course not found",
    extras: { courseId: "id" },
    // an assignment's body names courses that do not exist: the body is at fault
    otherAnswers: [{ status: 422, extras: { missingCourseIds: "ids" } }],
  },
  enrollment_not_found: {
    status: 404,
    title: "Enrollment not found",
    extras: { studentId: "id", courseId: "id" },
  },
  method_not_allowed: {
    status: 405,
    title: "Method not allowed",
    extras: {},
    headers: { allow: { header: "Allow", kind: "methods" } },
  },
  email_taken: { status: 409, title: "Email already taken", extras: { email: "email" } },
  course_full: { status: 409, title: "Course full", extras: { fullCourseIds: "ids" } },
  capacity_below_enrolled: {
    status: 409,
    title: "Capacity below enrolled count",
    extras: { capacity: "seats", enrolledCount: "count" },
  },
  payload_too_large: { status: 413, title: "Payload too large", extras: {} },
  unsupported_media_type: { status: 415, title: "Unsupported media type", extras: {} },
  rate_limited: { status: 429, title: "Too many requests", extras: {}, headers: retryAfter },
  internal_error: { status: 500, title: "Internal error", extras: {} },
  service_unavailable: { status: 503, title: "Service unavailable", extras: {}, headers: retryAfter },

  // ---- v1.1 ----
  term_not_found: {
    status: 404,
    title: "Term not found",
    extras: { termId: "id" },
    // a body names a term that does not exist
    otherAnswers: [{ status: 422, extras: { termId: "id" } }],
  },
  term_in_use: { status: 409, title: "Term in use", extras: {} },
  sourced_id_taken: { status: 409, title: "Sourced id already taken", extras: {} },
  invalid_transition: {
    status: 409,
    title: "Invalid status transition",
    extras: { from: "enrollmentStatus", to: "enrollmentStatus" },
  },
  waitlist_below_count: { status: 409, title: "Waitlist capacity below waitlisted count", extras: {} },
  idempotency_in_progress: {
    status: 409,
    title: "Request with this key in progress",
    extras: {},
    headers: retryAfter,
  },
  idempotency_key_reused: { status: 422, title: "Idempotency key reused", extras: {} },
  precondition_failed: { status: 412, title: "Precondition failed", extras: {} },
  webhook_not_found: { status: 404, title: "Webhook not found", extras: { webhookId: "id" } },
  webhook_url_forbidden: { status: 422, title: "Webhook URL forbidden", extras: {} },
  invalid_oneroster_package: { status: 422, title: "Invalid OneRoster package", extras: {} },
} as const satisfies Record<string, ProblemCodeSpec>;

type Table = typeof problemCodes;
export type ProblemCode = keyof Table;

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(problemCodes, code);
}

/** A code's answers: its usual status first, then any other. */
export function problemAnswers(code: ProblemCode): readonly ProblemAnswerSpec[] {
  const spec: ProblemCodeSpec = problemCodes[code];
  return [{ status: spec.status, extras: spec.extras }, ...(spec.otherAnswers ?? [])];
}

/** The answer of `code` with `status`: the usual one when the code has no answer with it. */
export function problemAnswer(code: ProblemCode, status: number): ProblemAnswerSpec {
  const answers = problemAnswers(code);
  return answers.find((answer) => answer.status === status) ?? (answers[0] as ProblemAnswerSpec);
}

// ---- types that follow from the table --------------------------------------------------

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ValuesOf<E> = Mutable<{ [K in keyof E]: ExtraValues[E[K] & ExtraKind] }>;
type AnswersOf<C extends ProblemCode> =
  | Table[C]
  | (Table[C] extends { otherAnswers: readonly (infer Other)[] } ? Other : never);
type HeaderValuesOf<C extends ProblemCode> = Table[C] extends { headers: infer H }
  ? { -readonly [K in keyof H]?: ExtraValues[H[K] extends { kind: infer Kind } ? Kind & ExtraKind : never] }
  : unknown;
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * The extra members of a problem with `code` (camelCase), a union when the code has several
 * answers: `ProblemExtras<"course_not_found">` is `{ courseId } | { missingCourseIds }`.
 */
export type ProblemExtras<C extends ProblemCode> = C extends ProblemCode
  ? AnswersOf<C> extends infer Answer
    ? Answer extends { extras: infer E }
      ? Flat<ValuesOf<E> & HeaderValuesOf<C>>
      : never
    : never
  : never;

/** The extras of the answer of `code` with `status`. */
export type ProblemExtrasAt<C extends ProblemCode, S extends number> =
  AnswersOf<C> extends infer Answer
    ? Answer extends { status: S; extras: infer E }
      ? Flat<ValuesOf<E> & HeaderValuesOf<C>>
      : never
    : never;

/** Members every problem has (RFC 9457 and the contract's `code`). */
export type ProblemBase<C extends string = ProblemCode> = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: C;
  /** `urn:uuid:` of the request, as in the server's logs */
  instance?: string;
};

/** A problem object (camelCase) as a union over `code`, each with its own extras. */
export type TypedProblem = {
  [C in ProblemCode]: ProblemExtras<C> extends infer E
    ? E extends unknown
      ? ProblemBase<C> & E
      : never
    : never;
}[ProblemCode];
