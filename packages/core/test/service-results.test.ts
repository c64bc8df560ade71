import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  assignCourses,
  courseSchema,
  createApiKey,
  createCourse,
  createStudent,
  enrolledCourseSchema,
  enrolledStudentSchema,
  getCourse,
  getStudent,
  listApiKeys,
  listCourseStudents,
  listCourses,
  listStudentCourses,
  listStudents,
  replaceCourses,
  revokeApiKey,
  studentSchema,
  updateCourse,
  updateStudent,
} from "../src/index.ts";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

/**
 * An answer as the transports send it: plain objects (no model instance, no property
 * holding undefined), with exactly the schema's properties in the schema's order.
 */
function expectShape(value: unknown, schema: z.ZodObject) {
  expect(value).toStrictEqual(JSON.parse(JSON.stringify(value)));
  expect(Object.keys(value as object)).toEqual(schema.keyof().options);
}

const apiKeyProperties = ["id", "name", "role", "studentId", "createdAt", "revokedAt", "lastUsedAt"];

describe("services answer plain objects of the API's shapes", () => {
  it("students and courses, written and read", async () => {
    const student = await createStudent(test.db, { name: "Ada", email: "ada@results.test" });
    expectShape(student, studentSchema);
    expectShape(await getStudent(test.db, student.id), studentSchema);
    expectShape(await updateStudent(test.db, student.id, { name: "Ada L" }), studentSchema);
    const page = await listStudents(test.db);
    expect(page).toStrictEqual(JSON.parse(JSON.stringify(page)));
    for (const item of page.students) expectShape(item, studentSchema);

    const course = await createCourse(test.db, { name: "Algebra", level: "beginner", capacity: 3 });
    expectShape(course, courseSchema);
    expectShape(await getCourse(test.db, course.id), courseSchema);
    expectShape(await updateCourse(test.db, course.id, { capacity: null }), courseSchema);
    for (const item of (await listCourses(test.db)).courses) expectShape(item, courseSchema);
  });

  it("enrollments, written and read", async () => {
    const student = await createStudent(test.db, { name: "Alan", email: "alan@results.test" });
    const algebra = await createCourse(test.db, { name: "Algebra 2", level: "b" });
    const physics = await createCourse(test.db, { name: "Physics", level: "b" });
    const assignment = await assignCourses(test.db, student.id, [physics.id, algebra.id]);
    expect(assignment).toStrictEqual(JSON.parse(JSON.stringify(assignment)));
    expect(assignment.courses).toHaveLength(2);
    for (const item of assignment.courses) expectShape(item, enrolledCourseSchema);
    const replacement = await replaceCourses(test.db, student.id, [algebra.id]);
    expect(replacement).toStrictEqual(JSON.parse(JSON.stringify(replacement)));
    for (const item of replacement.courses) expectShape(item, enrolledCourseSchema);
    for (const item of (await listStudentCourses(test.db, student.id)).courses) {
      expectShape(item, enrolledCourseSchema);
    }
    const roster = await listCourseStudents(test.db, algebra.id);
    expect(roster.students).toHaveLength(1);
    for (const item of roster.students) expectShape(item, enrolledStudentSchema);
  });

  it("API keys, never with the secret's hash", async () => {
    const { apiKey } = await createApiKey(test.db, { role: "reader", name: "ci" });
    expect(apiKey).toStrictEqual(JSON.parse(JSON.stringify(apiKey)));
    expect(Object.keys(apiKey)).toEqual(apiKeyProperties);
    const [listed] = await listApiKeys(test.db);
    expect(Object.keys(listed ?? {})).toEqual(apiKeyProperties);
    const revoked = await revokeApiKey(test.db, apiKey.id);
    expect(Object.keys(revoked)).toEqual(apiKeyProperties);
    expect(revoked.revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
