import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignCourses,
  type Course,
  createCourse,
  createStudent,
  deleteCourse,
  deleteStudent,
  getCourse,
  getStudent,
  listCourseStudents,
  listCourses,
  listStudentCourses,
  listStudents,
  removeEnrollment,
  replaceCourses,
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

/** The SQL statements knex sends while `work` runs, BEGIN and COMMIT included. */
async function statements(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const listener = (query: { sql: string }) =>
    sent.push(
      query.sql
        .trim()
        .split(/[\s;]+/)[0]
        ?.toLowerCase() ?? "",
    );
  test.db.on("query", listener);
  try {
    await work().catch(() => undefined);
  } finally {
    test.db.off("query", listener);
  }
  return sent;
}

let counter = 0;
const email = () => `q${++counter}.${Date.now()}@example.org`;

/**
 * The number of statements per operation is fixed, whatever the number of ids in the
 * request: these counts are the contract of the service layer, a regression fails here.
 */
describe("statements per operation", () => {
  it("student and course CRUD: one statement each", async () => {
    let studentId = 0;
    expect(
      await statements(async () => {
        studentId = (await createStudent(test.db, { name: "Q", email: email() })).id;
      }),
    ).toHaveLength(1);
    expect(await statements(() => getStudent(test.db, studentId))).toHaveLength(1);
    expect(await statements(() => listStudents(test.db, { limit: 10 }))).toHaveLength(1);
    expect(await statements(() => updateStudent(test.db, studentId, { name: "Q2" }))).toHaveLength(1);
    let courseId = 0;
    expect(
      await statements(async () => {
        courseId = (await createCourse(test.db, { name: "C", level: "b", capacity: 5 })).id;
      }),
    ).toHaveLength(1);
    expect(await statements(() => getCourse(test.db, courseId))).toHaveLength(1);
    expect(await statements(() => listCourses(test.db))).toHaveLength(1);
    expect(await statements(() => updateCourse(test.db, courseId, { name: "C2" }))).toHaveLength(1);
    // the database's CHECK on enrolled_count guards a capacity change: still one statement
    expect(await statements(() => updateCourse(test.db, courseId, { capacity: 4 }))).toEqual(["update"]);
    expect(await statements(() => deleteCourse(test.db, courseId))).toHaveLength(1);
    // a student's deletion locks the student, then its courses, before the cascade
    expect(await statements(() => deleteStudent(test.db, studentId))).toEqual([
      "begin",
      "select",
      "select",
      "delete",
      "commit",
    ]);
  });

  it("reads of a student's courses and of a roster: one statement, any page size", async () => {
    const student = await createStudent(test.db, { name: "R", email: email() });
    const courses: Course[] = [];
    for (let i = 0; i < 30; i++) courses.push(await createCourse(test.db, { name: `R${i}`, level: "b" }));
    await assignCourses(
      test.db,
      student.id,
      courses.map((c) => c.id),
    );
    expect(await statements(() => listStudentCourses(test.db, student.id, { limit: 5 }))).toHaveLength(1);
    expect(await statements(() => listStudentCourses(test.db, student.id, { limit: 200 }))).toHaveLength(1);
    expect(await statements(() => listCourseStudents(test.db, courses[0]?.id ?? 0))).toHaveLength(1);
  });

  it("assigning: the same six statements for 1 id or 1000", async () => {
    const courses: Course[] = [];
    for (let i = 0; i < 40; i++) courses.push(await createCourse(test.db, { name: `A${i}`, level: "b" }));
    const expected = ["begin", "select", "select", "insert", "select", "commit"];
    const one = await createStudent(test.db, { name: "One", email: email() });
    expect(await statements(() => assignCourses(test.db, one.id, [courses[0]?.id ?? 0]))).toEqual(expected);
    const many = await createStudent(test.db, { name: "Many", email: email() });
    const thousand = Array.from({ length: 1000 }, (_, i) => courses[i % courses.length]?.id ?? 0);
    expect(await statements(() => assignCourses(test.db, many.id, thousand))).toEqual(expected);
  });

  it("replacing: seven statements; removing: one (two when nothing was enrolled)", async () => {
    const student = await createStudent(test.db, { name: "Rep", email: email() });
    const a = await createCourse(test.db, { name: "RA", level: "b" });
    const b = await createCourse(test.db, { name: "RB", level: "b" });
    await assignCourses(test.db, student.id, [a.id]);
    // v1.1: the courses a PUT leaves are dropped, not deleted (the record stays, contract
    // "Enrollment lifecycle"), so its fourth statement is an UPDATE; still seven, and the
    // history entries come from the database's triggers within them.
    expect(await statements(() => replaceCourses(test.db, student.id, [b.id]))).toEqual([
      "begin",
      "select",
      "select",
      "update",
      "insert",
      "select",
      "commit",
    ]);
    expect(await statements(() => removeEnrollment(test.db, student.id, b.id))).toEqual(["with"]);
    expect(await statements(() => removeEnrollment(test.db, student.id, b.id))).toEqual(["with", "select"]);
  });

  it("a refused assignment stops early and writes nothing", async () => {
    const student = await createStudent(test.db, { name: "Refused", email: email() });
    expect(await statements(() => assignCourses(test.db, student.id, [999999]))).toEqual([
      "begin",
      "select",
      "select",
      "rollback",
    ]);
    expect(await statements(() => assignCourses(test.db, 999999, [1]))).toEqual([
      "begin",
      "select",
      "rollback",
    ]);
  });
});
