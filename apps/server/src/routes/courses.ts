import {
  coursePageSchema,
  courseSchema,
  courseStudentsPageSchema,
  createCourse,
  createCourseInput,
  deleteCourse,
  getCourse,
  listCourseStudents,
  listCourses,
  updateCourse,
  updateCourseFields,
} from "@registrar/core";
import { defineRoute } from "../http/define-route.ts";
import { snakeCased } from "../http/snake-case.ts";
import { idParams, pageQuery } from "./shared-schemas.ts";

const tag = "Courses";

export const courseRoutes = [
  defineRoute({
    method: "post",
    path: "/courses",
    operationId: "createCourse",
    summary: "Create a course",
    description:
      "`name` and `level` are trimmed (1..200 characters); `capacity` is 1..100000 seats, or null " +
      "(the default) for no limit. Answers the course with its id and a Location header.",
    tag,
    body: createCourseInput,
    responses: { 201: { description: "The new course", schema: courseSchema, headers: ["Location"] } },
    problems: [],
    async handle({ body }, { db }) {
      const course = await createCourse(db, body);
      return { status: 201, body: snakeCased(course), headers: { location: `/courses/${course.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/courses",
    operationId: "listCourses",
    summary: "List courses, by id, a page at a time",
    description:
      "Courses in ascending id with their `enrolled_count`, `limit` at a time (1..200, default 50). " +
      "Pass `next_cursor` back as `cursor` for the next page; it is null on the last one.",
    tag,
    query: pageQuery,
    responses: { 200: { description: "A page of courses", schema: coursePageSchema } },
    problems: [],
    async handle({ query }, { db }) {
      return { status: 200, body: snakeCased(await listCourses(db, query)) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/courses/{id}",
    operationId: "getCourse",
    summary: "Get a course with its enrolled count",
    description:
      "One course by id, with the number of students enrolled; 404 `course_not_found` when there is none.",
    tag,
    params: idParams,
    responses: { 200: { description: "The course", schema: courseSchema } },
    problems: ["course_not_found"],
    async handle({ params }, { db }) {
      return { status: 200, body: snakeCased(await getCourse(db, params.id)) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/courses/{id}",
    operationId: "updateCourse",
    summary: "Change a course's name, level or capacity",
    description:
      "Changes the fields sent, with the same rules as on creation; `capacity: null` lifts the limit. A " +
      "capacity below the number of students already enrolled is refused (409 `capacity_below_enrolled`).",
    tag,
    params: idParams,
    body: updateCourseFields,
    responses: { 200: { description: "The course as changed", schema: courseSchema } },
    problems: ["course_not_found", "capacity_below_enrolled"],
    async handle({ params, body }, { db }) {
      return { status: 200, body: snakeCased(await updateCourse(db, params.id, body)) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/courses/{id}",
    operationId: "deleteCourse",
    summary: "Delete a course and its enrollments",
    description: "Deletes the course and its enrollments; 204.",
    tag,
    params: idParams,
    responses: { 204: { description: "Deleted" } },
    problems: ["course_not_found"],
    async handle({ params }, { db }) {
      await deleteCourse(db, params.id);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "get",
    path: "/courses/{id}/students",
    operationId: "listCourseStudents",
    summary: "The course's roster, by student id, a page at a time",
    description:
      "The students enrolled in the course, in ascending student id, each with `enrolled_at`, paged like " +
      "the lists. 404 `course_not_found` when the course does not exist.",
    tag,
    params: idParams,
    query: pageQuery,
    responses: { 200: { description: "A page of the roster", schema: courseStudentsPageSchema } },
    problems: ["course_not_found"],
    async handle({ params, query }, { db }) {
      return { status: 200, body: snakeCased(await listCourseStudents(db, params.id, query)) };
    },
  }),
];
