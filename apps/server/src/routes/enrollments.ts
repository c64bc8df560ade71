import {
  assignCourseIdsSchema,
  assignCourses,
  assignmentSchema,
  listStudentCourses,
  removeEnrollment,
  replaceCourseIdsSchema,
  replaceCourses,
  replacementSchema,
  studentCoursesPageSchema,
} from "@registrar/core";
import { z } from "zod";
import { defineRoute } from "../http/define-route.ts";
import { snakeCased } from "../http/snake-case.ts";
import { enrollmentParams, idParams, pageQuery } from "./shared-schemas.ts";

const tag = "Enrollments";

export const enrollmentRoutes = [
  defineRoute({
    method: "post",
    path: "/students/{id}/courses",
    operationId: "assignCourses",
    summary: "Enroll a student in courses",
    description:
      "Atomic: when any course id does not exist (422) or any course is full (409), nothing is written. " +
      "Ids the student already has are reported in `already_enrolled`, not as errors. " +
      "201 when at least one enrollment is new, else 200.",
    tag,
    params: idParams,
    body: z.strictObject({ course_ids: assignCourseIdsSchema }),
    responses: {
      201: { description: "At least one new enrollment", schema: assignmentSchema },
      200: { description: "Every course was already enrolled", schema: assignmentSchema },
    },
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    async handle({ params, body }, { db }) {
      const result = await assignCourses(db, params.id, body.course_ids);
      return { status: result.enrolled.length > 0 ? 201 : 200, body: snakeCased(result) };
    },
  }),
  defineRoute({
    method: "put",
    path: "/students/{id}/courses",
    operationId: "replaceCourses",
    summary: "Replace a student's whole set of courses",
    description: "Same checks as POST; `enrolled` lists the added ids and `removed` the dropped ones.",
    tag,
    params: idParams,
    body: z.strictObject({ course_ids: replaceCourseIdsSchema }),
    responses: { 200: { description: "The new set", schema: replacementSchema } },
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    async handle({ params, body }, { db }) {
      return { status: 200, body: snakeCased(await replaceCourses(db, params.id, body.course_ids)) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/students/{id}/courses",
    operationId: "listStudentCourses",
    summary: "A student's courses, by course id, a page at a time",
    description:
      "The courses the student is enrolled in, in ascending course id, each with `enrolled_at`, paged " +
      "like the lists. 404 `student_not_found` when the student does not exist.",
    tag,
    params: idParams,
    query: pageQuery,
    responses: { 200: { description: "A page of enrolled courses", schema: studentCoursesPageSchema } },
    problems: ["student_not_found"],
    async handle({ params, query }, { db }) {
      return { status: 200, body: snakeCased(await listStudentCourses(db, params.id, query)) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/students/{id}/courses/{course_id}",
    operationId: "removeEnrollment",
    summary: "Drop one course from a student",
    description:
      "Ends one enrollment (the course's `enrolled_count` goes down); 204. 404 with the code of what is " +
      "missing: the student, the course, or the enrollment between them.",
    tag,
    params: enrollmentParams,
    responses: { 204: { description: "Dropped" } },
    problems: ["student_not_found", "course_not_found", "enrollment_not_found"],
    async handle({ params }, { db }) {
      await removeEnrollment(db, params.id, params.course_id);
      return { status: 204 };
    },
  }),
];
