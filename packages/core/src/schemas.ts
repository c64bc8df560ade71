import {
  DEFAULT_PAGE_SIZE,
  ID_MAX_DIGITS,
  ID_PATTERN,
  ID_RULE,
  MAX_ASSIGN_COURSE_IDS,
  MAX_CAPACITY,
  MAX_EMAIL_LENGTH,
  MAX_ID,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  MAX_REPLACE_COURSE_IDS,
  MIN_ASSIGN_COURSE_IDS,
  MIN_CAPACITY,
  PAGE_SIZE_PARAM_MAX_LENGTH,
  PAGE_SIZE_PARAM_PATTERN,
} from "@registrar/contract";
import { z } from "zod";

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

// ---- inputs ---------------------------------------------------------------------------

export const createStudentInput = z.strictObject({
  name: studentNameSchema,
  email: studentEmailSchema,
});
export const updateStudentFields = z.strictObject({
  name: studentNameSchema.optional(),
  email: studentEmailSchema.optional(),
});
export const createCourseInput = z.strictObject({
  name: courseNameSchema,
  level: courseLevelSchema,
  capacity: capacitySchema.optional(),
});
export const updateCourseFields = z.strictObject({
  name: courseNameSchema.optional(),
  level: courseLevelSchema.optional(),
  capacity: capacitySchema.optional(),
});

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

/** Opaque to clients; inside, the base64url of the last id of the previous page. */
export const cursorSchema = z
  .string()
  .max(64, { error: "is not a valid cursor", abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, "is not a valid cursor")
  .meta({ description: "The next_cursor of the previous page" });

export const pageInput = z.strictObject({
  limit: pageLimitSchema.optional(),
  cursor: cursorSchema.optional(),
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
  })
  .meta({ id: "Course" });

export const enrolledCourseSchema = courseSchema
  .extend({ enrolledAt: timestamp })
  .meta({ id: "EnrolledCourse" });
export const enrolledStudentSchema = studentSchema
  .extend({ enrolledAt: timestamp })
  .meta({ id: "EnrolledStudent" });

const nextCursor = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .nullable()
  .meta({ description: "null on the last page" });

export const studentPageSchema = z.object({ students: pageItems(studentSchema), nextCursor });
export const coursePageSchema = z.object({ courses: pageItems(courseSchema), nextCursor });
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
    .meta({ description: "Course ids the student already had" }),
  courses: everyCourse(enrolledCourseSchema).meta({ description: "All of the student's courses now" }),
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
