/**
 * The columns of each API shape, aliased to camelCase. A statement that selects them gets
 * rows that already are the zod types of schemas.ts (Course, Student, and with
 * `enrolled_at as "enrolledAt"` EnrolledCourse/EnrolledStudent): the drivers hand
 * timestamps over as ISO strings (packages/db/src/timestamps.ts), so the services return
 * rows as they come, with no per-row copy.
 */

/**
 * A Course's columns. `enrolled_count` is kept by the database (triggers on
 * student_courses, migration 20261127000500), so it is exact in any transaction that has
 * written enrollments or holds the course's row lock.
 */
export function courseColumns(alias: string): string {
  return `${alias}.id, ${alias}.name, ${alias}.level, ${alias}.capacity, ${alias}.enrolled_count as "enrolledCount",
    ${alias}.created_at as "createdAt", ${alias}.updated_at as "updatedAt"`;
}

/** A Student's columns. */
export const studentColumns = (alias: string) =>
  `${alias}.id, ${alias}.name, ${alias}.email, ${alias}.created_at as "createdAt", ${alias}.updated_at as "updatedAt"`;

export function firstRow<Row>(rows: Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error("expected a row from a statement that always returns one");
  return row;
}
