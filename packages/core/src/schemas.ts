import {
  DEFAULT_PAGE_SIZE,
  ID_MAX_DIGITS,
  ID_PATTERN,
  ID_RULE,
  MAX_ASSIGN_COURSE_IDS,
  MAX_CAPACITY,
  MAX_COURSE_CODE_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_ID,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  MAX_REASON_LENGTH,
  MAX_REPLACE_COURSE_IDS,
  MAX_SOURCED_ID_LENGTH,
  MAX_WAITLIST_CAPACITY,
  MIN_ASSIGN_COURSE_IDS,
  MIN_CAPACITY,
  PAGE_SIZE_PARAM_MAX_LENGTH,
  PAGE_SIZE_PARAM_PATTERN,
} from "@registrar/contract";
import { z } from "zod";

/** The longest cursor of a sorted list: prefix, id and a 200-character name of 3-byte characters, in base64url. */
const SORTABLE_CURSOR_MAX_LENGTH = 1024;

/**
 * The zod schemas here are the single source of truth for what Registrar accepts and
 * answers: services parse with them, tRPC uses them as input validators, the REST adapter
 * derives its snake_case shapes and the OpenAPI document from them. Their numbers and
 * patterns are the contract's (@registrar/contract), which the clients read too.
 */

export { MAX_ID };

/** A PostgreSQL `integer` key. */
export const idSchema = z
  .number()
  .int("must be an integer")
  .min(1, `must be between 1 and ${MAX_ID}`)
  .max(MAX_ID, `must be between 1 and ${MAX_ID}`)
  .meta({ description: `Integer id, 1..${MAX_ID}`, example: 1 });

const idParamMessage = `must be ${ID_RULE}`;

/**
 * An id as written in a URL: plain decimal digits only (no sign, exponent or fraction). The
 * pattern is the whole rule, so the OpenAPI document that publishes it says what is accepted.
 */
export const idParamSchema = z
  .string()
  .max(ID_MAX_DIGITS, { error: idParamMessage, abort: true })
  .regex(ID_PATTERN, idParamMessage)
  .transform(Number)
  .meta({ description: `Integer id, 1..${MAX_ID}, in plain decimal`, example: "1" });

// PostgreSQL text cannot hold U+0000: refuse it here (400) rather than fail in the insert (500).
// A pattern rather than a refinement, so the OpenAPI document states the rule too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character refused
const withoutNul = /^[^\u0000]*$/;
const nulMessage = "must not contain the NUL character (U+0000)";

const trimmedText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(withoutNul, nulMessage);

export const studentNameSchema = trimmedText(MAX_NAME_LENGTH).meta({ example: "Ada Lovelace" });
export const studentEmailSchema = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
  .pipe(z.email("must be a valid email address"))
  // `format` by hand: zod's JSON Schema of this pipe's input side is the untrimmed string.
  .meta({ description: "Unique, case-insensitively", example: "ada@example.org", format: "email" });
export const courseNameSchema = trimmedText(MAX_NAME_LENGTH).meta({ example: "Algebra" });
export const courseLevelSchema = trimmedText(MAX_NAME_LENGTH).meta({ example: "beginner" });
export const capacitySchema = z
  .number()
  .int("must be an integer")
  .min(MIN_CAPACITY, `must be between ${MIN_CAPACITY} and ${MAX_CAPACITY}`)
  .max(MAX_CAPACITY, `must be between ${MIN_CAPACITY} and ${MAX_CAPACITY}`)
  .nullable()
  .meta({ description: "Seats; null means unlimited", example: 30 });

/** An external system's id (OneRoster `sourcedId`): 1..255 visible characters, unique per resource type. */
export const sourcedIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_SOURCED_ID_LENGTH, `must be at most ${MAX_SOURCED_ID_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters without spaces")
  .meta({ description: "External id, unique per resource type", example: "class-2026-alg-1" });
export const courseCodeSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_COURSE_CODE_LENGTH, `must be at most ${MAX_COURSE_CODE_LENGTH} characters`)
  .regex(withoutNul, nulMessage)
  .meta({ description: "Tells courses of the same name apart", example: "ALG-1" });
export const waitlistCapacitySchema = z
  .number()
  .int("must be an integer")
  .min(0, `must be between 0 and ${MAX_WAITLIST_CAPACITY}`)
  .max(MAX_WAITLIST_CAPACITY, `must be between 0 and ${MAX_WAITLIST_CAPACITY}`)
  .meta({ description: "Waitlist places; 0 means no waitlist", example: 10 });
export const termTypes = ["term", "semester", "schoolYear", "gradingPeriod"] as const;
export const termTypeSchema = z.enum(termTypes);
/** A calendar date, `YYYY-MM-DD`, that exists (no 2026-02-30). */
export const calendarDateSchema = z.iso
  .date("must be a date written YYYY-MM-DD")
  .max(10, "must be a date written YYYY-MM-DD")
  .meta({ example: "2026-09-01" });
export const enrollmentStatuses = ["active", "waitlisted", "dropped", "completed"] as const;
export const enrollmentStatusSchema = z.enum(enrollmentStatuses);
export const enrollmentActions = [
  "enrolled",
  "waitlisted",
  "promoted",
  "dropped",
  "completed",
  "reactivated",
] as const;
export const changeSources = ["rest", "trpc", "import", "system"] as const;
/** Why an enrollment was dropped or completed, as given: at most 500 characters. */
export const changeReasonSchema = z
  .string()
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`)
  .regex(withoutNul, nulMessage);
/** Case-insensitive substring to search for (name or email; name or code). */
export const searchTextSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  // as long as the longest field it searches (an email)
  .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
  .regex(withoutNul, nulMessage);

// ---- inputs ---------------------------------------------------------------------------

export const createStudentInput = z.strictObject({
  name: studentNameSchema,
  email: studentEmailSchema,
  sourcedId: sourcedIdSchema.nullable().optional(),
});
export const updateStudentFields = z.strictObject({
  name: studentNameSchema.optional(),
  email: studentEmailSchema.optional(),
  sourcedId: sourcedIdSchema.nullable().optional(),
});
export const createCourseInput = z.strictObject({
  name: courseNameSchema,
  level: courseLevelSchema,
  capacity: capacitySchema.optional(),
  code: courseCodeSchema.nullable().optional(),
  termId: idSchema.nullable().optional(),
  waitlistCapacity: waitlistCapacitySchema.optional(),
  sourcedId: sourcedIdSchema.nullable().optional(),
});
export const updateCourseFields = z.strictObject({
  name: courseNameSchema.optional(),
  level: courseLevelSchema.optional(),
  capacity: capacitySchema.optional(),
  code: courseCodeSchema.nullable().optional(),
  termId: idSchema.nullable().optional(),
  waitlistCapacity: waitlistCapacitySchema.optional(),
  sourcedId: sourcedIdSchema.nullable().optional(),
});
export const termNameSchema = trimmedText(MAX_NAME_LENGTH).meta({ example: "Fall 2026" });
export const createTermInput = z
  .strictObject({
    name: termNameSchema,
    type: termTypeSchema.optional(),
    startsOn: calendarDateSchema,
    endsOn: calendarDateSchema,
    parentId: idSchema.nullable().optional(),
    sourcedId: sourcedIdSchema.nullable().optional(),
  })
  .refine((term) => term.startsOn <= term.endsOn, {
    path: ["endsOn"],
    message: "must not be before the term's start date",
  });
export const updateTermFields = z.strictObject({
  name: termNameSchema.optional(),
  type: termTypeSchema.optional(),
  startsOn: calendarDateSchema.optional(),
  endsOn: calendarDateSchema.optional(),
  parentId: idSchema.nullable().optional(),
  sourcedId: sourcedIdSchema.nullable().optional(),
});
/** What a PATCH of an enrollment may do: complete it or drop it. */
export const updateEnrollmentInput = z.strictObject({
  status: z.enum(["completed", "dropped"]),
  reason: changeReasonSchema.optional(),
});
/** Which enrollments a list shows: `all`, or any of the statuses (default: active). */
export const statusFilterSchema = z.union([z.literal("all"), z.array(enrollmentStatusSchema).min(1).max(4)]);

export const pageLimitSchema = z
  .number()
  .int("must be an integer")
  .min(1, `must be between 1 and ${MAX_PAGE_SIZE}`)
  .max(MAX_PAGE_SIZE, `must be between 1 and ${MAX_PAGE_SIZE}`)
  .meta({ description: `Page size, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` });

const limitParamMessage = `must be an integer between 1 and ${MAX_PAGE_SIZE}`;

/**
 * `?limit=` as a query string spells it. The pattern accepts exactly the strings whose value
 * is in range, so the OpenAPI document's pattern is the rule; pageLimitSchema has the last word.
 */
export const pageLimitParamSchema = z
  .string()
  .max(PAGE_SIZE_PARAM_MAX_LENGTH, { error: limitParamMessage, abort: true })
  .regex(PAGE_SIZE_PARAM_PATTERN, limitParamMessage)
  .transform(Number)
  .pipe(pageLimitSchema)
  .meta({
    description: `Page size, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
    example: String(DEFAULT_PAGE_SIZE),
  });

/** Opaque to clients; inside, the base64url of the last id of the previous page (of a waitlist page, its place: paging.ts). */
export const cursorSchema = z
  .string()
  .max(64, { error: "is not a valid cursor", abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, "is not a valid cursor")
  .meta({ description: "The next_cursor of the previous page" });

export const pageInput = z.strictObject({
  limit: pageLimitSchema.optional(),
  cursor: cursorSchema.optional(),
});
/**
 * A cursor of a list that can be sorted: a sorted page's cursor carries the last row's
 * sort value (a name may be 200 characters of up to three UTF-8 bytes each), so it is
 * longer than an id cursor.
 */
export const sortableCursorSchema = z
  .string()
  .max(SORTABLE_CURSOR_MAX_LENGTH, { error: "is not a valid cursor", abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, "is not a valid cursor")
  .meta({ description: "The next_cursor of the previous page, of the same sort and order" });
export const sortOrders = ["asc", "desc"] as const;
export const sortOrderSchema = z
  .enum(sortOrders)
  .meta({ description: "asc (the default) or desc; ties are broken by id, the same way" });
/** The orders of `GET /students` (`id`, the default, is the order of creation). */
export const studentSorts = ["id", "name", "email", "createdAt"] as const;
/** The orders of `GET /courses`. */
export const courseSorts = ["id", "name", "code", "level", "capacity"] as const;
export const studentListInput = pageInput.extend({
  cursor: sortableCursorSchema.optional(),
  q: searchTextSchema.optional(),
  sort: z.enum(studentSorts).optional(),
  order: sortOrderSchema.optional(),
});
export const courseListInput = pageInput.extend({
  cursor: sortableCursorSchema.optional(),
  q: searchTextSchema.optional(),
  termId: idSchema.optional(),
  sort: z.enum(courseSorts).optional(),
  order: sortOrderSchema.optional(),
});
export const enrollmentListInput = pageInput.extend({ status: statusFilterSchema.optional() });
/** A history query: of a pair, a student or a course (at least one id). */
export const historyInput = pageInput
  .extend({ studentId: idSchema.optional(), courseId: idSchema.optional() })
  .refine((input) => input.studentId !== undefined || input.courseId !== undefined, {
    message: "must name studentId, courseId or both",
  });

/** Course ids to assign, duplicates allowed and collapsed. */
export const assignCourseIdsSchema = z
  .array(idSchema)
  .min(MIN_ASSIGN_COURSE_IDS, "must name at least one course")
  .max(MAX_ASSIGN_COURSE_IDS, `must name at most ${MAX_ASSIGN_COURSE_IDS} courses`);
/** Course ids that replace a student's set: none to the most an assignment may name. */
export const replaceCourseIdsSchema = z
  .array(idSchema)
  .max(MAX_REPLACE_COURSE_IDS, `must name at most ${MAX_REPLACE_COURSE_IDS} courses`);

// ---- outputs ----------------------------------------------------------------------------
// What the API answers, for the OpenAPI document and the SDK's types (nothing parses with
// them). Their bounds are the inputs' bounds: every row is written through those.

/** `Date.prototype.toISOString` of a timestamp: `2026-09-01T08:00:00.000Z`, 24 characters. */
const timestamp = z.iso.datetime({ offset: true }).max(24).meta({ example: "2026-09-01T08:00:00.000Z" });
/** trimmedText as stored: trimmed (`\s` is the set that `trim` removes), not empty, no NUL. */
const storedText = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character excluded
  .regex(/^[^\s\u0000](?:[^\u0000]*[^\s\u0000])?$/);
/** Page items: at most the largest `limit`. */
const pageItems = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_PAGE_SIZE);
/**
 * All of a student's courses, or the ids dropped by a PUT: there is no per-student cap, so
 * the only bound is that each course appears once and course ids are PostgreSQL integers.
 */
const everyCourse = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_ID);

export const studentSchema = z
  .object({
    id: idSchema,
    name: storedText,
    email: z.email().max(MAX_EMAIL_LENGTH),
    createdAt: timestamp,
    updatedAt: timestamp,
    sourcedId: sourcedIdSchema.nullable(),
  })
  .meta({ id: "Student" });

export const courseSchema = z
  .object({
    id: idSchema,
    name: storedText,
    level: storedText,
    capacity: capacitySchema,
    enrolledCount: z.number().int().min(0).max(MAX_ID),
    createdAt: timestamp,
    updatedAt: timestamp,
    code: courseCodeSchema.nullable(),
    termId: idSchema.nullable(),
    waitlistCapacity: waitlistCapacitySchema,
    waitlistedCount: z.number().int().min(0).max(MAX_WAITLIST_CAPACITY).meta({ description: "Read only" }),
    sourcedId: sourcedIdSchema.nullable(),
  })
  .meta({ id: "Course" });

export const termSchema = z
  .object({
    id: idSchema,
    name: storedText,
    type: termTypeSchema,
    startsOn: calendarDateSchema,
    endsOn: calendarDateSchema,
    parentId: idSchema.nullable(),
    sourcedId: sourcedIdSchema.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Term" });

/** What an enrollment adds to a course (a student's list) or a student (a roster). */
const enrollmentFields = {
  enrolledAt: timestamp,
  status: enrollmentStatusSchema,
  waitlistPosition: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAITLIST_CAPACITY)
    .nullable()
    .meta({ description: "1-based; null unless waitlisted" }),
  beginDate: calendarDateSchema.nullable(),
  endDate: calendarDateSchema.nullable(),
  droppedAt: timestamp.nullable(),
};
export const enrolledCourseSchema = courseSchema.extend(enrollmentFields).meta({ id: "EnrolledCourse" });
export const enrolledStudentSchema = studentSchema.extend(enrollmentFields).meta({ id: "EnrolledStudent" });

export const historyEntrySchema = z
  .object({
    id: idSchema,
    at: timestamp,
    studentId: idSchema,
    courseId: idSchema,
    action: z.enum(enrollmentActions),
    fromStatus: enrollmentStatusSchema.nullable(),
    toStatus: enrollmentStatusSchema,
    reason: z.string().max(MAX_REASON_LENGTH).nullable(),
    actor: z.object({
      keyId: idSchema.nullable(),
      role: z.enum(["admin", "registrar", "reader", "student"]).nullable(),
    }),
    source: z.enum(changeSources),
  })
  .meta({ id: "EnrollmentHistoryEntry" });

const nextCursor = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .nullable()
  .meta({ description: "null on the last page" });

/** The next cursor of a list that can be sorted (see sortableCursorSchema). */
const sortableNextCursor = z
  .string()
  .max(SORTABLE_CURSOR_MAX_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/)
  .nullable()
  .meta({ description: "null on the last page" });

export const studentPageSchema = z.object({
  students: pageItems(studentSchema),
  nextCursor: sortableNextCursor,
});
export const termPageSchema = z.object({ terms: pageItems(termSchema), nextCursor });
export const historyPageSchema = z.object({ events: pageItems(historyEntrySchema), nextCursor });
export const coursePageSchema = z.object({
  courses: pageItems(courseSchema),
  nextCursor: sortableNextCursor,
});
export const studentCoursesPageSchema = z.object({
  studentId: idSchema,
  courses: pageItems(enrolledCourseSchema),
  nextCursor,
});
export const courseStudentsPageSchema = z.object({
  courseId: idSchema,
  students: pageItems(enrolledStudentSchema),
  nextCursor,
});
export const assignmentSchema = z.object({
  studentId: idSchema,
  enrolled: z.array(idSchema).max(MAX_ASSIGN_COURSE_IDS).meta({ description: "Course ids newly enrolled" }),
  alreadyEnrolled: z
    .array(idSchema)
    .max(MAX_ASSIGN_COURSE_IDS)
    .meta({ description: "Course ids the student already had, active or waitlisted" }),
  waitlisted: z
    .array(idSchema)
    .max(MAX_ASSIGN_COURSE_IDS)
    .meta({ description: "Course ids newly waitlisted" }),
  courses: everyCourse(enrolledCourseSchema).meta({
    description: "All of the student's active and waitlisted courses now",
  }),
});
export const replacementSchema = assignmentSchema.extend({
  removed: everyCourse(idSchema).meta({ description: "Course ids dropped" }),
});

export type CreateStudentInput = z.infer<typeof createStudentInput>;
export type UpdateStudentFields = z.infer<typeof updateStudentFields>;
export type CreateCourseInput = z.infer<typeof createCourseInput>;
export type UpdateCourseFields = z.infer<typeof updateCourseFields>;
export type PageInput = z.infer<typeof pageInput>;
export type Student = z.infer<typeof studentSchema>;
export type Course = z.infer<typeof courseSchema>;
export type EnrolledCourse = z.infer<typeof enrolledCourseSchema>;
export type EnrolledStudent = z.infer<typeof enrolledStudentSchema>;
export type StudentPage = z.infer<typeof studentPageSchema>;
export type CoursePage = z.infer<typeof coursePageSchema>;
export type StudentCoursesPage = z.infer<typeof studentCoursesPageSchema>;
export type CourseStudentsPage = z.infer<typeof courseStudentsPageSchema>;
export type Assignment = z.infer<typeof assignmentSchema>;
export type Replacement = z.infer<typeof replacementSchema>;
export type CreateTermInput = z.infer<typeof createTermInput>;
export type UpdateTermFields = z.infer<typeof updateTermFields>;
export type Term = z.infer<typeof termSchema>;
export type TermPage = z.infer<typeof termPageSchema>;
export type EnrollmentStatusValue = z.infer<typeof enrollmentStatusSchema>;
export type StatusFilter = z.infer<typeof statusFilterSchema>;
export type UpdateEnrollmentInput = z.infer<typeof updateEnrollmentInput>;
export type StudentListInput = z.infer<typeof studentListInput>;
export type CourseListInput = z.infer<typeof courseListInput>;
export type SortOrder = (typeof sortOrders)[number];
export type StudentSort = (typeof studentSorts)[number];
export type CourseSort = (typeof courseSorts)[number];
export type EnrollmentListInput = z.infer<typeof enrollmentListInput>;
export type HistoryInput = z.infer<typeof historyInput>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type HistoryPage = z.infer<typeof historyPageSchema>;
