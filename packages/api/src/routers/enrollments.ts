import {
  assignCourseIdsSchema,
  assignCourses,
  idSchema,
  listStudentCourses,
  pageInput,
  removeEnrollment,
  replaceCourseIdsSchema,
  replaceCourses,
} from "@registrar/core";
import { z } from "zod";
import { publicProcedure, router } from "../trpc.ts";

export const enrollmentsRouter = router({
  assign: publicProcedure
    .input(z.strictObject({ studentId: idSchema, courseIds: assignCourseIdsSchema }))
    .mutation(({ ctx, input }) => assignCourses(ctx.db, input.studentId, input.courseIds)),
  replace: publicProcedure
    .input(z.strictObject({ studentId: idSchema, courseIds: replaceCourseIdsSchema }))
    .mutation(({ ctx, input }) => replaceCourses(ctx.db, input.studentId, input.courseIds)),
  list: publicProcedure
    .input(pageInput.extend({ studentId: idSchema }))
    .query(({ ctx, input: { studentId, ...page } }) => listStudentCourses(ctx.db, studentId, page)),
  remove: publicProcedure
    .input(z.strictObject({ studentId: idSchema, courseId: idSchema }))
    .mutation(async ({ ctx, input }) => {
      await removeEnrollment(ctx.db, input.studentId, input.courseId);
      return { studentId: input.studentId, courseId: input.courseId, removed: true as const };
    }),
});
