import { z } from "zod";

/**
 * The zod schemas here are the single source of truth for what Registrar accepts and
 * answers: services parse with them, tRPC uses them as input validators, the REST adapter
 * derives its snake_case shapes and the OpenAPI document from them.
 */

export const MAX_ID = 2_147_483_647;

/** A PostgreSQL `integer` key: 1..2147483647. */
export const idSchema = z
  .number()
  .int("must be an integer")
  .min(1, "must be between 1 and 2147483647")
  .max(MAX_ID, "must be between 1 and 2147483647")
  .meta({ description: "Integer id, 1..2147483647", example: 1 });

/** An id as written in a URL: plain decimal digits only (no sign, exponent or fraction). */
export const idParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, "must be an integer between 1 and 2147483647 in plain decimal")
  .transform(Number)
  .refine((id) => id <= MAX_ID, "must be an integer between 1 and 2147483647 in plain decimal")
  .meta({ description: "Integer id, 1..2147483647, in plain decimal", example: "1" });

// PostgreSQL text cannot hold U+0000: refuse it here (400) rather than fail in the insert (500).
const withoutNul = (value: string) => !value.includes("\u0000");
const nulMessage = "must not contain the NUL character (U+0000)";

const trimmedText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine(withoutNul, nulMessage);

export const studentNameSchema = trimmedText(200).meta({ example: "Ada Lovelace" });
export const studentEmailSchema = z
  .string()
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be a valid email address"))
  .meta({ description: "Unique, case-insensitively", example: "ada@example.org" });
export const courseNameSchema = trimmedText(200).meta({ example: "Algebra" });
export const courseLevelSchema = trimmedText(200).meta({ example: "beginner" });
export const capacitySchema = z
  .number()
  .int("must be an integer")
  .min(1, "must be between 1 and 100000")
  .max(100_000, "must be between 1 and 100000")
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
  .min(1, "must be between 1 and 200")
  .max(200, "must be between 1 and 200")
  .meta({ description: "Page size, 1..200 (default 50)" });

/** Opaque to clients; inside, the last id of the previous page. */
export const cursorSchema = z
  .string()
  .max(64, "is not a valid cursor")
  .meta({ description: "The next_cursor of the previous page" });

export const pageInput = z.strictObject({
  limit: pageLimitSchema.optional(),
  cursor: cursorSchema.optional(),
});

/** Course ids to assign: 1..1000, duplicates allowed and collapsed. */
export const assignCourseIdsSchema = z
  .array(idSchema)
  .min(1, "must name at least one course")
  .max(1000, "must name at most 1000 courses");
/** Course ids that replace a student's set: 0..1000. */
export const replaceCourseIdsSchema = z.array(idSchema).max(1000, "must name at most 1000 courses");

// ---- outputs ----------------------------------------------------------------------------

const timestamp = z.iso.datetime({ offset: true }).meta({ example: "2026-09-01T08:00:00.000Z" });

export const studentSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    email: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Student" });

export const courseSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    level: z.string(),
    capacity: z.number().int().nullable(),
    enrolledCount: z.number().int().min(0),
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

const nextCursor = z.string().nullable().meta({ description: "null on the last page" });

export const studentPageSchema = z.object({ students: z.array(studentSchema), nextCursor });
export const coursePageSchema = z.object({ courses: z.array(courseSchema), nextCursor });
export const studentCoursesPageSchema = z.object({
  studentId: idSchema,
  courses: z.array(enrolledCourseSchema),
  nextCursor,
});
export const courseStudentsPageSchema = z.object({
  courseId: idSchema,
  students: z.array(enrolledStudentSchema),
  nextCursor,
});
export const assignmentSchema = z.object({
  studentId: idSchema,
  enrolled: z.array(idSchema).meta({ description: "Course ids newly enrolled" }),
  alreadyEnrolled: z.array(idSchema).meta({ description: "Course ids the student already had" }),
  courses: z.array(enrolledCourseSchema).meta({ description: "All of the student's courses now" }),
});
export const replacementSchema = assignmentSchema.extend({
  removed: z.array(idSchema).meta({ description: "Course ids dropped" }),
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
