import { cursorSchema, idParamSchema, pageLimitParamSchema } from "@registrar/core";
import { z } from "zod";

/** REST's `?limit=&cursor=` as they arrive in a query string. */
export const pageQuery = z.object({
  limit: pageLimitParamSchema.optional(),
  cursor: cursorSchema.optional(),
});

/** REST path ids, as strings. */
export const idParams = z.object({ id: idParamSchema });
export const enrollmentParams = z.object({ id: idParamSchema, course_id: idParamSchema });
