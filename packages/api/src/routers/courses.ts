import {
  createCourse,
  createCourseInput,
  deleteCourse,
  getCourse,
  idSchema,
  listCourseStudents,
  listCourses,
  pageInput,
  updateCourse,
  updateCourseFields,
} from "@registrar/core";
import { z } from "zod";
import { publicProcedure, router } from "../trpc.ts";

const byId = z.strictObject({ id: idSchema });

export const coursesRouter = router({
  list: publicProcedure.input(pageInput.optional()).query(({ ctx, input }) => listCourses(ctx.db, input)),
  byId: publicProcedure.input(byId).query(({ ctx, input }) => getCourse(ctx.db, input.id)),
  create: publicProcedure.input(createCourseInput).mutation(({ ctx, input }) => createCourse(ctx.db, input)),
  update: publicProcedure
    .input(updateCourseFields.extend({ id: idSchema }))
    .mutation(({ ctx, input: { id, ...fields } }) => updateCourse(ctx.db, id, fields)),
  delete: publicProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await deleteCourse(ctx.db, input.id);
    return { id: input.id, deleted: true as const };
  }),
  students: publicProcedure
    .input(pageInput.extend({ courseId: idSchema }))
    .query(({ ctx, input: { courseId, ...page } }) => listCourseStudents(ctx.db, courseId, page)),
});
