import {
  createStudent,
  createStudentInput,
  deleteStudent,
  getStudent,
  listStudents,
  studentPageSchema,
  studentSchema,
  updateStudent,
  updateStudentFields,
} from "@registrar/core";
import { defineRoute } from "../http/define-route.ts";
import { snakeCased } from "../http/snake-case.ts";
import { idParams, pageQuery } from "./shared-schemas.ts";

const tag = "Students";

export const studentRoutes = [
  defineRoute({
    method: "post",
    path: "/students",
    operationId: "createStudent",
    summary: "Create a student",
    description:
      "Names are trimmed (1..200 characters); the email must be valid, at most 254 characters, and " +
      "unused by any other student, whatever its letter case (409 `email_taken`). Answers the student " +
      "with its id and a Location header.",
    tag,
    body: createStudentInput,
    responses: { 201: { description: "The new student", schema: studentSchema, headers: ["Location"] } },
    problems: ["email_taken"],
    async handle({ body }, { db }) {
      const student = await createStudent(db, body);
      return { status: 201, body: snakeCased(student), headers: { location: `/students/${student.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/students",
    operationId: "listStudents",
    summary: "List students, by id, a page at a time",
    description:
      "Students in ascending id, `limit` at a time (1..200, default 50). Pass `next_cursor` back as " +
      "`cursor` for the next page; it is null on the last one.",
    tag,
    query: pageQuery,
    responses: { 200: { description: "A page of students", schema: studentPageSchema } },
    problems: [],
    async handle({ query }, { db }) {
      return { status: 200, body: snakeCased(await listStudents(db, query)) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/students/{id}",
    operationId: "getStudent",
    summary: "Get a student",
    description: "One student by id; 404 `student_not_found` when there is none.",
    tag,
    params: idParams,
    responses: { 200: { description: "The student", schema: studentSchema } },
    problems: ["student_not_found"],
    async handle({ params }, { db }) {
      return { status: 200, body: snakeCased(await getStudent(db, params.id)) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/students/{id}",
    operationId: "updateStudent",
    summary: "Change a student's name or email",
    description:
      "Changes the fields sent, with the same rules as on creation, and moves `updated_at` on. An empty " +
      "body changes nothing and answers the student as is.",
    tag,
    params: idParams,
    body: updateStudentFields,
    responses: { 200: { description: "The student as changed", schema: studentSchema } },
    problems: ["student_not_found", "email_taken"],
    async handle({ params, body }, { db }) {
      return { status: 200, body: snakeCased(await updateStudent(db, params.id, body)) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/students/{id}",
    operationId: "deleteStudent",
    summary: "Delete a student and their enrollments",
    description: "Deletes the student and their enrollments (the courses' `enrolled_count` goes down); 204.",
    tag,
    params: idParams,
    responses: { 204: { description: "Deleted" } },
    problems: ["student_not_found"],
    async handle({ params }, { db }) {
      await deleteStudent(db, params.id);
      return { status: 204 };
    },
  }),
];
