import { type ApiKeyRole, createCourse, createStudent, type Principal } from "@registrar/core";
import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../root.ts";

let database: TestDatabase;
const ids = { own: 0, other: 0, course: 0 };

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  ids.own = (await createStudent(db, { name: "Own", email: "own@example.org" })).id;
  ids.other = (await createStudent(db, { name: "Other", email: "other@example.org" })).id;
  ids.course = (await createCourse(db, { name: "Algebra", level: "beginner" })).id;
});
afterAll(async () => {
  await database?.drop();
});

function callerAs(role: ApiKeyRole | "auth off") {
  const principal: Principal | undefined =
    role === "auth off" ? undefined : { keyId: 1, role, studentId: role === "student" ? ids.own : null };
  return appRouter.createCaller({ db: database.db, ...(principal && { auth: { principal } }) });
}

/** The tRPC code and problem code a call fails with. */
async function failure(call: Promise<unknown>): Promise<{ code: string; problem: string | undefined }> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const { code, problem } = error as TRPCError & { problem?: { code: string } };
  return { code, problem: problem?.code };
}

describe("the access check, once per call, on the parsed input", () => {
  it("refuses a role that may never call an operation before its input is parsed (403, not 400)", async () => {
    const reader = callerAs("reader");
    for (const call of [
      reader.students.create({ name: "", email: "not an email" }),
      // @ts-expect-error: an id that does not parse
      reader.students.update({ id: "abc" }),
      // @ts-expect-error: no course ids at all
      reader.enrollments.assign({ studentId: ids.other }),
      callerAs("registrar").keys.create({ role: "admin", name: "" }),
    ]) {
      expect(await failure(call)).toEqual({ code: "FORBIDDEN", problem: "forbidden" });
    }
  });

  it("parses the input first for a caller whose access depends on it", async () => {
    const registrar = callerAs("registrar");
    expect(await failure(registrar.students.create({ name: "", email: "x@example.org" }))).toEqual({
      code: "BAD_REQUEST",
      problem: "validation_failed",
    });
    // a student key is answered by the student it names, so its id must parse first
    // @ts-expect-error: an id that does not parse
    expect(await failure(callerAs("student").students.byId({ id: "abc" }))).toMatchObject({
      problem: "validation_failed",
    });
  });

  it("decides a student key by the student or course its parsed input names", async () => {
    const student = callerAs("student");
    expect((await student.students.byId({ id: ids.own })).id).toBe(ids.own);
    expect(await failure(student.students.byId({ id: ids.other }))).toEqual({
      code: "NOT_FOUND",
      problem: "student_not_found",
    });
    expect(
      await failure(student.enrollments.assign({ studentId: ids.own, courseIds: [ids.course] })),
    ).toEqual({ code: "FORBIDDEN", problem: "forbidden" });
    expect(await failure(student.courses.byId({ id: ids.course }))).toEqual({
      code: "NOT_FOUND",
      problem: "course_not_found",
    });
  });

  it("refuses key management without auth, and opens everything else", async () => {
    const open = callerAs("auth off");
    expect(await failure(open.keys.list())).toEqual({ code: "FORBIDDEN", problem: "forbidden" });
    expect((await open.students.list()).students.length).toBeGreaterThanOrEqual(2);
  });
});
