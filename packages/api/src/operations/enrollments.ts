import {
  assignCourseIdsSchema,
  assignCourses,
  assignmentSchema,
  idSchema,
  listStudentCourses,
  pageInput,
  removeEnrollment,
  replaceCourseIdsSchema,
  replaceCourses,
  replacementSchema,
  studentCoursesPageSchema,
} from "@registrar/core";
import { z } from "zod";
import { readsStudent, writesStudent } from "./access.ts";
import { defineOperation } from "./define-operation.ts";
import { enrollmentSetEtag } from "./etags.ts";
import { enrollmentParams, idParams, pageQuery } from "./rest-schemas.ts";

const tag = "Enrollments";

export const enrollmentOperations = {
  assign: defineOperation({
    name: "enrollments.assign",
    kind: "mutation",
    input: z.strictObject({ studentId: idSchema, courseIds: assignCourseIdsSchema }),
    output: assignmentSchema,
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    run: ({ db }, { studentId, courseIds }) => assignCourses(db, studentId, courseIds),
    rest: {
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
      input: ({ params, body }) => ({ studentId: params.id, courseIds: body.course_ids }),
      responses: {
        201: { description: "At least one new enrollment" },
        200: { description: "Every course was already enrolled" },
      },
      status: (assignment) => (assignment.enrolled.length > 0 ? 201 : 200),
      etag: enrollmentSetEtag,
    },
  }),
  replace: defineOperation({
    name: "enrollments.replace",
    kind: "mutation",
    input: z.strictObject({ studentId: idSchema, courseIds: replaceCourseIdsSchema }),
    output: replacementSchema,
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    run: ({ db }, { studentId, courseIds }) => replaceCourses(db, studentId, courseIds),
    rest: {
      method: "put",
      path: "/students/{id}/courses",
      operationId: "replaceCourses",
      summary: "Replace a student's whole set of courses",
      description: "Same checks as POST; `enrolled` lists the added ids and `removed` the dropped ones.",
      tag,
      params: idParams,
      body: z.strictObject({ course_ids: replaceCourseIdsSchema }),
      input: ({ params, body }) => ({ studentId: params.id, courseIds: body.course_ids }),
      responses: { 200: { description: "The new set" } },
      status: 200,
      etag: enrollmentSetEtag,
    },
  }),
  list: defineOperation({
    name: "enrollments.list",
    kind: "query",
    input: pageInput.extend({ studentId: idSchema }),
    output: studentCoursesPageSchema,
    access: readsStudent(({ studentId }) => studentId),
    problems: ["student_not_found"],
    run: ({ db }, { studentId, ...page }) => listStudentCourses(db, studentId, page),
    rest: {
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
      input: ({ params, query }) => ({ ...query, studentId: params.id }),
      responses: { 200: { description: "A page of enrolled courses" } },
      status: 200,
      etag: enrollmentSetEtag,
    },
  }),
  remove: defineOperation({
    name: "enrollments.remove",
    kind: "mutation",
    input: z.strictObject({ studentId: idSchema, courseId: idSchema }),
    output: z.object({ studentId: idSchema, courseId: idSchema, removed: z.literal(true) }),
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", "course_not_found", "enrollment_not_found"],
    run: async ({ db }, { studentId, courseId }) => {
      await removeEnrollment(db, studentId, courseId);
      return { studentId, courseId, removed: true as const };
    },
    rest: {
      method: "delete",
      path: "/students/{id}/courses/{course_id}",
      operationId: "removeEnrollment",
      summary: "Drop one course from a student",
      description:
        "Ends one enrollment (the course's `enrolled_count` goes down); 204. 404 with the code of what is " +
        "missing: the student, the course, or the enrollment between them.",
      tag,
      params: enrollmentParams,
      input: ({ params }) => ({ studentId: params.id, courseId: params.course_id }),
      responses: { 204: { description: "Dropped" } },
      status: 204,
      etag: enrollmentSetEtag,
    },
  }),
};
