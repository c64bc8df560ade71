import { DEFAULT_PAGE_SIZE, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_PAGE_SIZE } from "@registrar/contract";
import {
  createStudent,
  createStudentInput,
  deleteStudent,
  getStudent,
  idSchema,
  listStudents,
  studentListInput,
  studentPageSchema,
  studentSchema,
  studentSorts,
  updateStudent,
  updateStudentFields,
} from "@registrar/core";
import { z } from "zod";
import { reads, readsStudent, writes, writesStudent } from "./access.ts";
import { defineOperation } from "./define-operation.ts";
import { studentEtag } from "./etags.ts";
import { camelCasedBody, idParams, pageQuery, restBodyOf, searchQuery, sortQuery } from "./rest-schemas.ts";

const tag = "Students";
const byId = z.strictObject({ id: idSchema });

export const studentOperations = {
  create: defineOperation({
    name: "students.create",
    kind: "mutation",
    input: createStudentInput,
    output: studentSchema,
    access: writes,
    problems: ["email_taken", "sourced_id_taken"],
    run: ({ db }, fields) => createStudent(db, fields),
    rest: {
      method: "post",
      path: "/students",
      operationId: "createStudent",
      summary: "Create a student",
      description:
        `Names are trimmed (1..${MAX_NAME_LENGTH} characters); the email must be valid, at most ${MAX_EMAIL_LENGTH} characters, and ` +
        "unused by any other student, whatever its letter case (409 `email_taken`). An optional `sourced_id` " +
        "(an external system's id) is unique among students (409 `sourced_id_taken`). Answers the student " +
        "with its id and a Location header.",
      tag,
      body: restBodyOf(createStudentInput),
      input: ({ body }) => camelCasedBody(body),
      responses: { 201: { description: "The new student" } },
      status: 201,
      location: (student) => `/students/${student.id}`,
    },
  }),
  list: defineOperation({
    name: "students.list",
    kind: "query",
    input: studentListInput.optional(),
    output: studentPageSchema,
    access: reads,
    problems: [],
    run: ({ db }, page) => listStudents(db, page),
    rest: {
      method: "get",
      path: "/students",
      operationId: "listStudents",
      summary: "List students, by id (or sorted), a page at a time",
      description:
        `Students in ascending id, \`limit\` at a time (1..${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}). Pass \`next_cursor\` back as ` +
        "`cursor` for the next page; it is null on the last one. `q` keeps the students whose name or email " +
        "contains it (case-insensitively), searched by the database over all students. `sort` (`name`, " +
        "`email`, case-insensitively, `created_at` or `id`) and `order` (`asc`, `desc`) choose another order, " +
        "ties broken by id; a cursor pages only the sort and order it came from (else 400 `validation_failed`).",
      tag,
      query: pageQuery.extend(searchQuery).extend(sortQuery(studentSorts)),
      input: ({ query }) => query,
      responses: { 200: { description: "A page of students" } },
      status: 200,
    },
  }),
  byId: defineOperation({
    name: "students.byId",
    kind: "query",
    input: byId,
    output: studentSchema,
    access: readsStudent(({ id }) => id),
    problems: ["student_not_found"],
    run: ({ db }, { id }) => getStudent(db, id),
    rest: {
      method: "get",
      path: "/students/{id}",
      operationId: "getStudent",
      summary: "Get a student",
      description: "One student by id; 404 `student_not_found` when there is none.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 200: { description: "The student" } },
      status: 200,
      etag: studentEtag,
    },
  }),
  update: defineOperation({
    name: "students.update",
    kind: "mutation",
    input: updateStudentFields.extend({ id: idSchema }),
    output: studentSchema,
    access: writesStudent(({ id }) => id),
    problems: ["student_not_found", "email_taken", "sourced_id_taken"],
    run: ({ db }, { id, ...fields }) => updateStudent(db, id, fields),
    rest: {
      method: "patch",
      path: "/students/{id}",
      operationId: "updateStudent",
      summary: "Change a student's name or email",
      description:
        "Changes the fields sent, with the same rules as on creation, and moves `updated_at` on. An empty " +
        "body changes nothing and answers the student as is.",
      tag,
      params: idParams,
      body: restBodyOf(updateStudentFields),
      input: ({ params, body }) => ({ ...camelCasedBody(body), id: params.id }),
      responses: { 200: { description: "The student as changed" } },
      status: 200,
      etag: studentEtag,
    },
  }),
  delete: defineOperation({
    name: "students.delete",
    kind: "mutation",
    input: byId,
    output: z.object({ id: idSchema, deleted: z.literal(true) }),
    access: writesStudent(({ id }) => id),
    problems: ["student_not_found"],
    run: async ({ db }, { id }) => {
      await deleteStudent(db, id);
      return { id, deleted: true as const };
    },
    rest: {
      method: "delete",
      path: "/students/{id}",
      operationId: "deleteStudent",
      summary: "Delete a student and their enrollments",
      description:
        "Deletes the student and their enrollments (the courses' `enrolled_count` goes down); 204.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 204: { description: "Deleted" } },
      status: 204,
      etag: studentEtag,
    },
  }),
};
