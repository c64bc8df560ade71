import { MAX_REASON_LENGTH } from "@registrar/contract";
import {
  assignCourseIdsSchema,
  assignCourses,
  assignmentSchema,
  changeReasonSchema,
  enrolledCourseSchema,
  enrollmentListInput,
  type HistoryInput,
  type HistoryPage,
  historyInput,
  historyPageSchema,
  idSchema,
  listHistory,
  listStudentCourses,
  removeEnrollment,
  replaceCourseIdsSchema,
  replaceCourses,
  replacementSchema,
  studentCoursesPageSchema,
  updateEnrollment,
  updateEnrollmentInput,
} from "@registrar/core";
import { z } from "zod";
import { readsHistory, readsStudent, writesStudent } from "./access.ts";
import { defineOperation, restBinding } from "./define-operation.ts";
import { enrollmentSetEtag, studentCoursesEtag } from "./etags.ts";
import { enrollmentListQuery, enrollmentParams, idParams, pageQuery } from "./rest-schemas.ts";

const tag = "Enrollments";

const waitlistSchema = z
  .boolean()
  .meta({ description: "Waitlist the student on a full course that has waitlist room (default false)" });
const pair = z.strictObject({ studentId: idSchema, courseId: idSchema });

export const enrollmentOperations = {
  assign: defineOperation({
    name: "enrollments.assign",
    kind: "mutation",
    input: z.strictObject({
      studentId: idSchema,
      courseIds: assignCourseIdsSchema,
      waitlist: waitlistSchema.optional(),
    }),
    output: assignmentSchema,
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    run: ({ db, origin }, { studentId, courseIds, waitlist }) =>
      assignCourses(db, studentId, courseIds, { waitlist, origin }),
    rest: {
      method: "post",
      path: "/students/{id}/courses",
      operationId: "assignCourses",
      summary: "Enroll a student in courses",
      description:
        "Atomic: when any course id does not exist (422) or any course is full (409), nothing is written. " +
        "With `waitlist: true` a full course with waitlist room puts the student on its waitlist (listed in " +
        "`waitlisted`); a full course without room is still 409 `course_full`. A dropped or completed pair " +
        "named again becomes active again (in `enrolled`). Pairs already active or waitlisted are reported " +
        "in `already_enrolled`, not as errors. 201 when anything was enrolled or waitlisted, else 200.",
      tag,
      params: idParams,
      body: z.strictObject({ course_ids: assignCourseIdsSchema, waitlist: waitlistSchema.optional() }),
      input: ({ params, body }) => ({
        studentId: params.id,
        courseIds: body.course_ids,
        waitlist: body.waitlist,
      }),
      responses: {
        201: { description: "At least one new enrollment or waitlist place" },
        200: { description: "Every course was already enrolled or waitlisted" },
      },
      status: (assignment) => (assignment.enrolled.length + assignment.waitlisted.length > 0 ? 201 : 200),
      etag: enrollmentSetEtag,
    },
  }),
  replace: defineOperation({
    name: "enrollments.replace",
    kind: "mutation",
    input: z.strictObject({
      studentId: idSchema,
      courseIds: replaceCourseIdsSchema,
      waitlist: waitlistSchema.optional(),
    }),
    output: replacementSchema,
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", { code: "course_not_found", status: 422 }, "course_full"],
    run: ({ db, origin }, { studentId, courseIds, waitlist }) =>
      replaceCourses(db, studentId, courseIds, { waitlist, origin }),
    rest: {
      method: "put",
      path: "/students/{id}/courses",
      operationId: "replaceCourses",
      summary: "Replace a student's whole set of courses",
      description:
        "Makes the named set the student's active (or, with `waitlist: true`, waitlisted where full) set, " +
        "with the same checks as POST; every other active or waitlisted pair is dropped (kept as a record) " +
        "and listed in `removed`; `enrolled` lists the added ids.",
      tag,
      params: idParams,
      body: z.strictObject({ course_ids: replaceCourseIdsSchema, waitlist: waitlistSchema.optional() }),
      input: ({ params, body }) => ({
        studentId: params.id,
        courseIds: body.course_ids,
        waitlist: body.waitlist,
      }),
      responses: { 200: { description: "The new set" } },
      status: 200,
      etag: enrollmentSetEtag,
    },
  }),
  list: defineOperation({
    name: "enrollments.list",
    kind: "query",
    input: enrollmentListInput.extend({ studentId: idSchema }),
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
        "The student's enrollments of the statuses asked for (`?status=`, default `active`; a comma-separated " +
        "list, or `all`), in ascending course id, each with `enrolled_at`, `status` and `waitlist_position`, " +
        "paged like the lists. 404 `student_not_found` when the student does not exist.",
      tag,
      params: idParams,
      query: enrollmentListQuery,
      input: ({ params, query }) => ({ ...query, studentId: params.id }),
      responses: { 200: { description: "A page of enrolled courses" } },
      status: 200,
      etag: studentCoursesEtag,
    },
  }),
  remove: defineOperation({
    name: "enrollments.remove",
    kind: "mutation",
    input: pair.extend({ reason: changeReasonSchema.optional() }),
    output: z.object({ studentId: idSchema, courseId: idSchema, removed: z.literal(true) }),
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", "course_not_found", "enrollment_not_found"],
    run: async ({ db, origin }, { studentId, courseId, reason }) => {
      await removeEnrollment(db, studentId, courseId, { reason, origin });
      return { studentId, courseId, removed: true as const };
    },
    rest: {
      method: "delete",
      path: "/students/{id}/courses/{course_id}",
      operationId: "removeEnrollment",
      summary: "Drop one course from a student",
      description:
        `Drops an active or waitlisted enrollment and keeps its record (optional \`?reason=\`, at most ${MAX_REASON_LENGTH} ` +
        "characters); a freed seat goes to the head of the waitlist; 204. 404 with the code of what is " +
        "missing: the student, the course, or an active or waitlisted enrollment between them.",
      tag,
      params: enrollmentParams,
      query: z.object({ reason: changeReasonSchema.optional() }),
      input: ({ params, query }) => ({
        studentId: params.id,
        courseId: params.course_id,
        reason: query.reason,
      }),
      responses: { 204: { description: "Dropped" } },
      status: 204,
      etag: enrollmentSetEtag,
    },
  }),
  update: defineOperation({
    name: "enrollments.update",
    kind: "mutation",
    input: pair.extend(updateEnrollmentInput.shape),
    output: enrolledCourseSchema,
    access: writesStudent(({ studentId }) => studentId),
    problems: ["student_not_found", "course_not_found", "enrollment_not_found", "invalid_transition"],
    run: ({ db, origin }, { studentId, courseId, ...change }) =>
      updateEnrollment(db, studentId, courseId, change, { origin }),
    rest: {
      method: "patch",
      path: "/students/{id}/courses/{course_id}",
      operationId: "updateEnrollment",
      summary: "Complete or drop one enrollment",
      description:
        "`status: completed` or `dropped`, with an optional `reason`. Allowed: active → completed, active → " +
        "dropped, waitlisted → dropped; anything else is 409 `invalid_transition` (`from`, `to`). Answers the " +
        "enrolled-course item.",
      tag,
      params: enrollmentParams,
      body: updateEnrollmentInput,
      input: ({ params, body }) => ({ ...body, studentId: params.id, courseId: params.course_id }),
      responses: { 200: { description: "The enrollment as changed" } },
      status: 200,
      etag: enrollmentSetEtag,
    },
  }),
  history: defineOperation({
    name: "enrollments.history",
    kind: "query",
    input: historyInput,
    output: historyPageSchema,
    access: readsHistory(),
    problems: ["student_not_found", "course_not_found", "enrollment_not_found"],
    run: ({ db }, input) => listHistory(db, input),
    rest: {
      method: "get",
      path: "/students/{id}/courses/{course_id}/history",
      operationId: "listEnrollmentHistory",
      summary: "The history of one enrollment, oldest first",
      description:
        "Every change of the pair, oldest first, paged like the lists: `action`, `from_status`, `to_status`, " +
        "`reason`, `actor` and `source`. 404 `enrollment_not_found` for a pair that never existed.",
      tag,
      params: enrollmentParams,
      query: pageQuery,
      input: ({ params, query }) => ({ ...query, studentId: params.id, courseId: params.course_id }),
      responses: { 200: { description: "A page of history entries" } },
      status: 200,
    },
    alsoRest: [
      restBinding<HistoryInput, HistoryPage>()({
        method: "get",
        path: "/students/{id}/history",
        operationId: "listStudentHistory",
        summary: "The history of a student's enrollments, oldest first",
        description:
          "Every change of any of the student's enrollments, oldest first, paged like the lists. 404 " +
          "`student_not_found` when the student does not exist.",
        tag,
        params: idParams,
        query: pageQuery,
        input: ({ params, query }) => ({ ...query, studentId: params.id }),
        responses: { 200: { description: "A page of history entries" } },
        status: 200,
      }),
      restBinding<HistoryInput, HistoryPage>()({
        method: "get",
        path: "/courses/{id}/history",
        operationId: "listCourseHistory",
        summary: "The history of a course's enrollments, oldest first",
        description:
          "Every change of any enrollment in the course, oldest first, paged like the lists. 404 " +
          "`course_not_found` when the course does not exist.",
        tag,
        params: idParams,
        query: pageQuery,
        input: ({ params, query }) => ({ ...query, courseId: params.id }),
        responses: { 200: { description: "A page of history entries" } },
        status: 200,
      }),
    ],
  }),
};
