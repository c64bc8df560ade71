import {
  DEFAULT_PAGE_SIZE,
  MAX_CAPACITY,
  MAX_COURSE_CODE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  MAX_WAITLIST_CAPACITY,
  MIN_CAPACITY,
} from "@registrar/contract";
import {
  courseListInput,
  coursePageSchema,
  courseSchema,
  courseSorts,
  courseStudentsPageSchema,
  createCourse,
  createCourseInput,
  deleteCourse,
  enrollmentListInput,
  getCourse,
  idParamSchema,
  idSchema,
  listCourseStudents,
  listCourses,
  updateCourse,
  updateCourseFields,
} from "@registrar/core";
import { z } from "zod";
import { reads, readsCourse, writes } from "./access.ts";
import { defineOperation } from "./define-operation.ts";
import { courseEtag } from "./etags.ts";
import {
  camelCasedBody,
  enrollmentListQuery,
  idParams,
  pageQuery,
  restBodyOf,
  searchQuery,
  sortQuery,
} from "./rest-schemas.ts";

const tag = "Courses";
const byId = z.strictObject({ id: idSchema });

export const courseOperations = {
  create: defineOperation({
    name: "courses.create",
    kind: "mutation",
    input: createCourseInput,
    output: courseSchema,
    access: writes,
    problems: [{ code: "term_not_found", status: 422 }, "sourced_id_taken"],
    run: ({ db }, fields) => createCourse(db, fields),
    rest: {
      method: "post",
      path: "/courses",
      operationId: "createCourse",
      summary: "Create a course",
      description:
        `\`name\` and \`level\` are trimmed (1..${MAX_NAME_LENGTH} characters); \`capacity\` is ${MIN_CAPACITY}..${MAX_CAPACITY} seats, or null ` +
        "(the default) for no limit. Optional: `code` (at most " +
        `${MAX_COURSE_CODE_LENGTH} characters, or null), \`term_id\` (a term, or null; 422 \`term_not_found\` when it does not ` +
        `exist), \`waitlist_capacity\` (0..${MAX_WAITLIST_CAPACITY}, default 0 = no waitlist) and \`sourced_id\` (unique; 409 ` +
        "`sourced_id_taken`). Answers the course with its id and a Location header.",
      tag,
      body: restBodyOf(createCourseInput),
      input: ({ body }) => camelCasedBody(body),
      responses: { 201: { description: "The new course" } },
      status: 201,
      location: (course) => `/courses/${course.id}`,
    },
  }),
  list: defineOperation({
    name: "courses.list",
    kind: "query",
    input: courseListInput.optional(),
    output: coursePageSchema,
    access: reads,
    problems: [],
    run: ({ db }, page) => listCourses(db, page),
    rest: {
      method: "get",
      path: "/courses",
      operationId: "listCourses",
      summary: "List courses, by id (or sorted), a page at a time",
      description:
        `Courses in ascending id with their \`enrolled_count\`, \`limit\` at a time (1..${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}). ` +
        "Pass `next_cursor` back as `cursor` for the next page; it is null on the last one. `q` keeps the " +
        "courses whose name or code contains it (case-insensitively), `term_id` those of one term; both are " +
        "served by the database over all courses. `sort` (`name`, `code`, `level`, case-insensitively; " +
        "`capacity`, unlimited last; `id`) and `order` (`asc`, `desc`) choose another order, ties broken by " +
        "id (a course without a code sorts first); a cursor pages only the sort and order it came from (else " +
        "400 `validation_failed`).",
      tag,
      query: pageQuery.extend({
        ...searchQuery,
        term_id: idParamSchema.optional(),
        ...sortQuery(courseSorts),
      }),
      input: ({ query: { term_id, ...query } }) => ({ ...query, termId: term_id }),
      responses: { 200: { description: "A page of courses" } },
      status: 200,
    },
  }),
  byId: defineOperation({
    name: "courses.byId",
    kind: "query",
    input: byId,
    output: courseSchema,
    access: readsCourse(({ id }) => id),
    problems: ["course_not_found"],
    run: ({ db }, { id }) => getCourse(db, id),
    rest: {
      method: "get",
      path: "/courses/{id}",
      operationId: "getCourse",
      summary: "Get a course with its enrolled count",
      description:
        "One course by id, with the number of students enrolled; 404 `course_not_found` when there is none.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 200: { description: "The course" } },
      status: 200,
      etag: courseEtag,
    },
  }),
  update: defineOperation({
    name: "courses.update",
    kind: "mutation",
    input: updateCourseFields.extend({ id: idSchema }),
    output: courseSchema,
    access: writes,
    problems: [
      "course_not_found",
      "capacity_below_enrolled",
      "waitlist_below_count",
      { code: "term_not_found", status: 422 },
      "sourced_id_taken",
    ],
    run: ({ db }, { id, ...fields }) => updateCourse(db, id, fields),
    rest: {
      method: "patch",
      path: "/courses/{id}",
      operationId: "updateCourse",
      summary: "Change a course's name, level, capacity, code, term, waitlist or sourced id",
      description:
        "Changes the fields sent, with the same rules as on creation; `capacity: null` lifts the limit. A " +
        "capacity below the number of students already enrolled is refused (409 `capacity_below_enrolled`), a " +
        "`waitlist_capacity` below the number waitlisted too (409 `waitlist_below_count`); a raised capacity " +
        "promotes waitlisted students, first come first served.",
      tag,
      params: idParams,
      body: restBodyOf(updateCourseFields),
      input: ({ params, body }) => ({ ...camelCasedBody(body), id: params.id }),
      responses: { 200: { description: "The course as changed" } },
      status: 200,
      etag: courseEtag,
    },
  }),
  delete: defineOperation({
    name: "courses.delete",
    kind: "mutation",
    input: byId,
    output: z.object({ id: idSchema, deleted: z.literal(true) }),
    access: writes,
    problems: ["course_not_found"],
    run: async ({ db }, { id }) => {
      await deleteCourse(db, id);
      return { id, deleted: true as const };
    },
    rest: {
      method: "delete",
      path: "/courses/{id}",
      operationId: "deleteCourse",
      summary: "Delete a course and its enrollments",
      description: "Deletes the course and its enrollments; 204.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 204: { description: "Deleted" } },
      status: 204,
      etag: courseEtag,
    },
  }),
  students: defineOperation({
    name: "courses.students",
    kind: "query",
    input: enrollmentListInput.extend({ courseId: idSchema }),
    output: courseStudentsPageSchema,
    access: reads,
    problems: ["course_not_found"],
    run: ({ db }, { courseId, ...page }) => listCourseStudents(db, courseId, page),
    rest: {
      method: "get",
      path: "/courses/{id}/students",
      operationId: "listCourseStudents",
      summary: "The course's roster, by student id, a page at a time",
      description:
        "The course's enrollments of the statuses asked for (`?status=`, default `active`; a comma-separated " +
        "list, or `all`), in ascending student id (a waitlist alone, `?status=waitlisted`, in waitlist order), " +
        "each with `enrolled_at`, `status` and `waitlist_position`, paged like the lists. 404 " +
        "`course_not_found` when the course does not exist.",
      tag,
      params: idParams,
      query: enrollmentListQuery,
      input: ({ params, query }) => ({ ...query, courseId: params.id }),
      responses: { 200: { description: "A page of the roster" } },
      status: 200,
    },
  }),
};
