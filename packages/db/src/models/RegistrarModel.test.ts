import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing.ts";
import { Course } from "./Course.ts";
import { Student } from "./Student.ts";

let test: TestDatabase;
let courseIds: number[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  await Student.query(test.db).insert({ name: "Ada Lovelace", email: "ada@casing.test" });
  const courses = await Course.query(test.db)
    .insert(["Algebra", "Physics", "Chemistry"].map((name) => ({ name, level: "beginner", capacity: 10 })))
    .returning("id");
  courseIds = courses.map((course) => course.id);
});
afterAll(async () => {
  await test?.drop();
});

describe(`RegistrarModel on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("is the one casing boundary: knex answers columns as they are, a model answers properties", async () => {
    const row = await test.db("students").first();
    expect(Object.keys(row)).toEqual(["id", "name", "email", "created_at", "updated_at", "sourced_id"]);
    const student = await Student.query(test.db).first();
    expect(student?.toJSON()).toEqual({
      id: row.id,
      name: "Ada Lovelace",
      email: "ada@casing.test",
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      sourcedId: null,
    });
  });

  it("selects columns under their property names, so plain rows come back as properties", async () => {
    const rows = await test
      .db("courses")
      .select(Course.columnsAs(["id", "enrolledCount", "createdAt"]))
      .orderBy("id");
    expect(rows.map((row) => Object.keys(row))).toEqual(Array(3).fill(["id", "enrolledCount", "createdAt"]));
    expect(Course.columnsAs(["enrolledCount"], "c")).toEqual(["c.enrolled_count as enrolledCount"]);
  });

  it("matches a list of ids sent as one array, empty lists included", async () => {
    const [first = 0, , third = 0] = courseIds;
    const anyOf = async (ids: number[]) =>
      (await Course.query(test.db).select("id").where(Course.isAnyOf("courses.id", ids)).orderBy("id")).map(
        (course) => course.id,
      );
    const noneOf = async (ids: number[]) =>
      (await Course.query(test.db).select("id").where(Course.isNoneOf("courses.id", ids)).orderBy("id")).map(
        (course) => course.id,
      );
    expect(await anyOf([third, first, 999])).toEqual([first, third]);
    expect(await anyOf([])).toEqual([]);
    expect(await noneOf([first])).toEqual(courseIds.slice(1));
    expect(await noneOf([])).toEqual(courseIds);
  });
});
