import { ForeignKeyViolationError, UniqueViolationError } from "objection";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Course, Student, StudentCourse } from "../src/index.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing.ts";

let test: TestDatabase;

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});
beforeEach(async () => {
  await test.db.raw("truncate students, courses restart identity cascade");
});

async function makeStudent(name = "Ada Lovelace", email = `${name.split(" ")[0]}@example.org`) {
  return Student.query(test.db).insertAndFetch({ name, email });
}
async function makeCourse(name = "Algebra", capacity: number | null = null) {
  return Course.query(test.db).insertAndFetch({ name, level: "beginner", capacity });
}

/** Counts the statements knex sends while `work` runs. */
async function countQueries(work: () => PromiseLike<unknown>): Promise<number> {
  let count = 0;
  const listener = () => {
    count += 1;
  };
  test.db.on("query", listener);
  try {
    await work();
  } finally {
    test.db.off("query", listener);
  }
  return count;
}

describe(`models on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("relates and unrelates a course through student_courses, with enrolled_at", async () => {
    const student = await makeStudent();
    const course = await makeCourse();
    await student.$relatedQuery("courses", test.db).relate(course.id);

    const courses = await student.$relatedQuery("courses", test.db);
    expect(courses.map((c) => c.id)).toEqual([course.id]);
    expect(courses[0]?.enrolledAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const roster = await course.$relatedQuery("students", test.db);
    expect(roster.map((s) => s.id)).toEqual([student.id]);

    const removed = await student.$relatedQuery("courses", test.db).unrelate().where("courses.id", course.id);
    expect(removed).toBe(1);
    expect(await StudentCourse.query(test.db).resultSize()).toBe(0);
  });

  it("exposes the join row as StudentCourse with HasMany both ways", async () => {
    const student = await makeStudent();
    const course = await makeCourse();
    await StudentCourse.query(test.db).insert({ studentId: student.id, courseId: course.id });

    const fromStudent = await student.$relatedQuery("enrollments", test.db);
    const fromCourse = await course.$relatedQuery("enrollments", test.db);
    expect(fromStudent).toHaveLength(1);
    expect(fromCourse[0]).toMatchObject({ studentId: student.id, courseId: course.id });
    const row = await StudentCourse.query(test.db)
      .findById([student.id, course.id])
      .withGraphFetched("[student, course]");
    expect(row?.student?.email).toBe(student.email);
    expect(row?.course?.name).toBe("Algebra");
  });

  it("rejects a duplicate pair through the composite primary key", async () => {
    const student = await makeStudent();
    const course = await makeCourse();
    await StudentCourse.query(test.db).insert({ studentId: student.id, courseId: course.id });
    await expect(
      StudentCourse.query(test.db).insert({ studentId: student.id, courseId: course.id }),
    ).rejects.toBeInstanceOf(UniqueViolationError);
    expect(await StudentCourse.query(test.db).resultSize()).toBe(1);
  });

  it("rejects an unknown student or course through the foreign keys", async () => {
    const student = await makeStudent();
    const course = await makeCourse();
    await expect(
      StudentCourse.query(test.db).insert({ studentId: student.id + 100, courseId: course.id }),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError);
    await expect(
      StudentCourse.query(test.db).insert({ studentId: student.id, courseId: course.id + 100 }),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError);
    expect(await StudentCourse.query(test.db).resultSize()).toBe(0);
  });

  it("rejects a second student with the same email in another case", async () => {
    await makeStudent("Ada Lovelace", "Ada@X.org");
    await expect(makeStudent("Ada Again", "ada@x.org")).rejects.toBeInstanceOf(UniqueViolationError);
  });

  it("rejects a capacity of zero through the check constraint", async () => {
    await expect(makeCourse("Empty", 0)).rejects.toThrow();
    expect(await Course.query(test.db).resultSize()).toBe(0);
  });

  it("cascades enrollments when a student is deleted", async () => {
    const ada = await makeStudent("Ada Lovelace");
    const alan = await makeStudent("Alan Turing");
    const course = await makeCourse();
    await course.$relatedQuery("students", test.db).relate([ada.id, alan.id]);

    expect(await Student.query(test.db).deleteById(ada.id)).toBe(1);
    const left = await StudentCourse.query(test.db);
    expect(left.map((row) => row.studentId)).toEqual([alan.id]);
    expect(await Course.query(test.db).findById(course.id)).toBeDefined();
  });

  it("cascades enrollments when a course is deleted", async () => {
    const student = await makeStudent();
    const algebra = await makeCourse("Algebra");
    const physics = await makeCourse("Physics");
    await student.$relatedQuery("courses", test.db).relate([algebra.id, physics.id]);

    expect(await Course.query(test.db).deleteById(algebra.id)).toBe(1);
    const left = await StudentCourse.query(test.db);
    expect(left.map((row) => row.courseId)).toEqual([physics.id]);
  });

  it("fetches students with their courses in a fixed number of statements, whatever the count", async () => {
    const courses = await Promise.all(["Algebra", "Physics", "Chemistry"].map((name) => makeCourse(name)));
    for (let i = 0; i < 20; i++) {
      const student = await makeStudent(`Student ${i}`, `s${i}@example.org`);
      await student.$relatedQuery("courses", test.db).relate(courses.slice(0, 1 + (i % 3)).map((c) => c.id));
    }
    let students: Student[] = [];
    const graphFetched = await countQueries(async () => {
      students = await Student.query(test.db).withGraphFetched("courses").orderBy("id");
    });
    expect(graphFetched).toBe(2);
    expect(students).toHaveLength(20);
    expect(students[4]?.courses?.map((c) => c.name).sort()).toEqual(["Algebra", "Physics"]);
    expect(students[4]?.courses?.[0]?.enrolledAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // the first joined query also reads the tables' column lists, which objection caches
    await Student.query(test.db).withGraphJoined("courses");
    const joined = await countQueries(() => Student.query(test.db).withGraphJoined("courses"));
    expect(joined).toBe(1);
  });
});
