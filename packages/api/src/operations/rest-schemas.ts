import {
  cursorSchema,
  enrollmentStatuses,
  idParamSchema,
  pageLimitParamSchema,
  type StatusFilter,
  searchTextSchema,
  sortableCursorSchema,
  sortOrderSchema,
} from "@registrar/core";
import { z } from "zod";
import { type CamelCase, camelCaseKey, type SnakeCase, snakeCaseKey } from "../wire-case.ts";

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

/**
 * `?sort=&order=&cursor=` of a list that can be sorted: the sort's names in snake_case as
 * REST spells fields (`created_at`), handed to the operation in its camelCase
 * (`createdAt`); the cursor of a sorted page is longer than an id cursor.
 */
export function sortQuery<const Sort extends string>(sorts: readonly [Sort, ...Sort[]]) {
  const bySnakeName = new Map(sorts.map((sort) => [snakeCaseKey(sort), sort] as const));
  const names = [...bySnakeName.keys()] as [string, ...string[]];
  return {
    cursor: sortableCursorSchema.optional(),
    sort: z
      .enum(names)
      .transform((name) => bySnakeName.get(name) as Sort)
      .meta({ description: `The order of the list: ${names.join(", ")} (default id)` })
      .optional(),
    order: sortOrderSchema.optional(),
  };
}

/** `?reason=` of a drop. */
export { changeReasonSchema as reasonParamSchema } from "@registrar/core";

/**
 * An operation's body schema (camelCase) as REST takes it: the same field schemas under
 * their snake_case names, unknown fields refused. Refinements across fields are the
 * caller's to restate (the object is rebuilt from its shape).
 */
export function restBodyOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [snakeCaseKey(key), field]),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<
    { [K in keyof Shape as SnakeCase<K & string>]: Shape[K] },
    z.core.$strict
  >;
}

/** A parsed REST body in the operation's camelCase; fields that were not sent stay absent. */
export function camelCasedBody<Body extends Record<string, unknown>>(
  body: Body,
): { [K in keyof Body as CamelCase<K & string>]: Body[K] } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (value !== undefined) out[camelCaseKey(key)] = value;
  return out as { [K in keyof Body as CamelCase<K & string>]: Body[K] };
}
