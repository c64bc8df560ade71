import { cursorSchema, idParamSchema, pageLimitSchema } from "@registrar/core";
import { z } from "zod";

const limitMessage = "must be an integer between 1 and 200";

/** REST's `?limit=&cursor=` as they arrive in a query string. */
export const pageQuery = z.object({
  // Exactly the strings whose value is 1..200 (leading zeros were always accepted), so the
  // OpenAPI document's pattern is the rule; pageLimitSchema still has the last word.
  limit: z
    .string()
    .max(6, { error: limitMessage, abort: true })
    .regex(/^0{0,5}(?:[1-9][0-9]?|1[0-9]{2}|200)$/, limitMessage)
    .transform(Number)
    .pipe(pageLimitSchema)
    .meta({ description: "Page size, 1..200 (default 50)", example: "50" })
    .optional(),
  cursor: cursorSchema.optional(),
});

/** REST path ids, as strings. */
export const idParams = z.object({ id: idParamSchema });
export const enrollmentParams = z.object({ id: idParamSchema, course_id: idParamSchema });
