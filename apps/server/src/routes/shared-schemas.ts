import { cursorSchema, idParamSchema, pageLimitSchema } from "@registrar/core";
import { z } from "zod";

/** `?limit=&cursor=` as they arrive in a query string. */
export const pageQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,6}$/, "must be an integer between 1 and 200")
    .transform(Number)
    .pipe(pageLimitSchema)
    .optional(),
  cursor: cursorSchema.optional(),
});

export const idParams = z.object({ id: idParamSchema });
export const enrollmentParams = z.object({ id: idParamSchema, course_id: idParamSchema });
