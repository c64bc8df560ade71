import {
  createStudent,
  createStudentInput,
  deleteStudent,
  getStudent,
  idSchema,
  listStudents,
  pageInput,
  updateStudent,
  updateStudentFields,
} from "@registrar/core";
import { z } from "zod";
import { publicProcedure, router } from "../trpc.ts";

const byId = z.strictObject({ id: idSchema });

export const studentsRouter = router({
  list: publicProcedure.input(pageInput.optional()).query(({ ctx, input }) => listStudents(ctx.db, input)),
  byId: publicProcedure.input(byId).query(({ ctx, input }) => getStudent(ctx.db, input.id)),
  create: publicProcedure
    .input(createStudentInput)
    .mutation(({ ctx, input }) => createStudent(ctx.db, input)),
  update: publicProcedure
    .input(updateStudentFields.extend({ id: idSchema }))
    .mutation(({ ctx, input: { id, ...fields } }) => updateStudent(ctx.db, id, fields)),
  delete: publicProcedure.input(byId).mutation(async ({ ctx, input }) => {
    await deleteStudent(ctx.db, input.id);
    return { id: input.id, deleted: true as const };
  }),
});
