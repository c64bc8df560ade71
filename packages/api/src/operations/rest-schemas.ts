import {
  cursorSchema,
  enrollmentStatuses,
  idParamSchema,
  pageLimitParamSchema,
  type StatusFilter,
  searchTextSchema,
} from "@registrar/core";
import { z } from "zod";

/** REST's `?limit=&cursor=` as they arrive in a query string. */
export const pageQuery = z.object({
  limit: pageLimitParamSchema.optional(),
  cursor: cursorSchema.optional(),
});

/** REST path ids, as strings. */
export const idParams = z.object({ id: idParamSchema });
export const enrollmentParams = z.object({ id: idParamSchema, course_id: idParamSchema });

const statusName = `(?:${enrollmentStatuses.join("|")})`;
const statusListMessage = `must be all, or a comma-separated list of ${enrollmentStatuses.join(", ")}`;

/**
 * `?status=` as a query string spells it: `all`, or statuses separated by commas. The
 * pattern is the whole rule, so the OpenAPI document states what is accepted.
 */
export const statusParamSchema = z
  .string()
  .max(64, { error: statusListMessage, abort: true })
  .regex(new RegExp(`^(?:all|${statusName}(?:,${statusName})*)$`), statusListMessage)
  .transform(
    (text): StatusFilter => (text === "all" ? "all" : (text.split(",") as Exclude<StatusFilter, "all">)),
  )
  .meta({
    description: `Which enrollments to list: \`all\`, or any comma-separated list of ${enrollmentStatuses.join(", ")} (default active)`,
    example: "active,waitlisted",
  });

/** A list of enrollments: paged, and filtered by status. */
export const enrollmentListQuery = pageQuery.extend({ status: statusParamSchema.optional() });

/** `?q=`: a case-insensitive substring. */
export const searchQuery = { q: searchTextSchema.optional() };

/** `?reason=` of a drop. */
export { changeReasonSchema as reasonParamSchema } from "@registrar/core";
