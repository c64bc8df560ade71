import type { AppRouter } from "@registrar/api";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { uniqueEmail } from "./http-client.ts";

let server: TestServer;
let trpc: ReturnType<typeof createTRPCClient<AppRouter>>;
beforeAll(async () => {
  server = await startTestServer();
  trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.baseUrl}/trpc` })] });
});
afterAll(async () => {
  await server?.close();
});

type ProblemData = { code: string; httpStatus: number; problem: Record<string, unknown> };

/** Runs `call`, expects a TRPCClientError, returns its data (tRPC code + problem). */
async function failure(call: () => Promise<unknown>): Promise<ProblemData> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data as unknown as ProblemData;
    expect(typeof data.problem.detail).toBe("string");
    expect((error as Error).message).toBe(data.problem.detail);
    expect(JSON.stringify(data)).not.toMatch(/stack|select |insert into|violates/i);
    return data;
  }
  throw new Error("expected the call to fail");
}

describe("tRPC through @trpc/client with httpBatchLink", () => {
  it("creates, reads, updates, lists and deletes students in camelCase", async () => {
    const email = uniqueEmail();
    const created = await trpc.students.create.mutate({ name: " Grace Hopper ", email });
    expect(created).toEqual({
      id: expect.any(Number),
      name: "Grace Hopper",
      email,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      sourcedId: null,
    });
    expect(await trpc.students.byId.query({ id: created.id })).toEqual(created);
    const updated = await trpc.students.update.mutate({ id: created.id, name: "Grace" });
    expect(updated.name).toBe("Grace");
    const page = await trpc.students.list.query({ limit: 200 });
    expect(page.students.map((s) => s.id)).toContain(created.id);
    expect(page).toHaveProperty("nextCursor");
    expect(await trpc.students.list.query()).toHaveProperty("students");
    await trpc.students.delete.mutate({ id: created.id });
    const gone = await failure(() => trpc.students.byId.query({ id: created.id }));
    expect(gone).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    expect(gone.problem).toMatchObject({ code: "student_not_found", studentId: created.id });
  });

  it("reports each unknown input field as an entry of its own, as REST does", async () => {
    const input = { name: "A", email: uniqueEmail(), nickname: 1, grade: 2 };
    const refused = await failure(() => trpc.students.create.mutate(input as never));
    expect(refused.problem).toMatchObject({
      code: "validation_failed",
      errors: [
        { path: "nickname", message: "is not a known field" },
        { path: "grade", message: "is not a known field" },
      ],
    });
  });

  it("manages courses and rosters", async () => {
    const course = await trpc.courses.create.mutate({ name: "Compilers", level: "advanced", capacity: 2 });
    expect(course).toMatchObject({ capacity: 2, enrolledCount: 0 });
    const student = await trpc.students.create.mutate({ name: "Niklaus", email: uniqueEmail() });
    await trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id] });
    const roster = await trpc.courses.students.query({ courseId: course.id });
    expect(roster).toEqual({
      courseId: course.id,
      students: [
        {
          ...student,
          enrolledAt: expect.any(String),
          status: "active",
          waitlistPosition: null,
          beginDate: null,
          endDate: null,
          droppedAt: null,
        },
      ],
      nextCursor: null,
    });
    expect((await trpc.courses.byId.query({ id: course.id })).enrolledCount).toBe(1);
    const below = await failure(() => trpc.courses.update.mutate({ id: course.id, capacity: 0 }));
    expect(below.problem.code).toBe("validation_failed");
    expect((await trpc.courses.update.mutate({ id: course.id, level: "expert" })).level).toBe("expert");
    expect((await trpc.courses.list.query({ limit: 1 })).courses).toHaveLength(1);
    await trpc.courses.delete.mutate({ id: course.id });
    const gone = await failure(() => trpc.courses.byId.query({ id: course.id }));
    expect(gone.problem).toMatchObject({ code: "course_not_found", courseId: course.id });
  });

  it("assigns, lists, replaces and removes enrollments with the same rules as REST", async () => {
    const student = await trpc.students.create.mutate({ name: "Barbara", email: uniqueEmail() });
    const a = await trpc.courses.create.mutate({ name: "A", level: "b" });
    const b = await trpc.courses.create.mutate({ name: "B", level: "b", capacity: 1 });
    const assigned = await trpc.enrollments.assign.mutate({
      studentId: student.id,
      courseIds: [b.id, a.id, a.id],
    });
    expect(assigned).toMatchObject({ studentId: student.id, enrolled: [a.id, b.id], alreadyEnrolled: [] });
    expect(assigned.courses[0]).toMatchObject({ id: a.id, enrolledAt: expect.any(String) });

    const listed = await trpc.enrollments.list.query({ studentId: student.id, limit: 1 });
    expect(listed.courses.map((c) => c.id)).toEqual([a.id]);
    const next = await trpc.enrollments.list.query({
      studentId: student.id,
      cursor: listed.nextCursor ?? "",
    });
    expect(next.courses.map((c) => c.id)).toEqual([b.id]);

    const replaced = await trpc.enrollments.replace.mutate({ studentId: student.id, courseIds: [a.id] });
    expect(replaced).toMatchObject({ enrolled: [], alreadyEnrolled: [a.id], removed: [b.id] });
    await trpc.enrollments.remove.mutate({ studentId: student.id, courseId: a.id });
    const missing = await failure(() =>
      trpc.enrollments.remove.mutate({ studentId: student.id, courseId: a.id }),
    );
    expect(missing.problem).toMatchObject({
      code: "enrollment_not_found",
      studentId: student.id,
      courseId: a.id,
    });
  });

  it("reports faults like REST: data.problem in camelCase, tRPC's own codes", async () => {
    const student = await trpc.students.create.mutate({ name: "Edsger", email: uniqueEmail() });
    const full = await trpc.courses.create.mutate({ name: "Full", level: "b", capacity: 1 });
    const other = await trpc.students.create.mutate({ name: "Other", email: uniqueEmail() });
    await trpc.enrollments.assign.mutate({ studentId: other.id, courseIds: [full.id] });

    const courseFull = await failure(() =>
      trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [full.id] }),
    );
    expect(courseFull).toMatchObject({ code: "CONFLICT", httpStatus: 409 });
    expect(courseFull.problem).toMatchObject({ code: "course_full", fullCourseIds: [full.id], status: 409 });

    const missing = await failure(() =>
      trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [999997, 999998] }),
    );
    expect(missing).toMatchObject({ code: "UNPROCESSABLE_CONTENT", httpStatus: 422 });
    expect(missing.problem).toMatchObject({ code: "course_not_found", missingCourseIds: [999997, 999998] });

    const taken = await failure(() =>
      trpc.students.create.mutate({ name: "Dup", email: student.email.toUpperCase() }),
    );
    expect(taken).toMatchObject({ code: "CONFLICT" });
    expect(taken.problem.code).toBe("email_taken");

    const invalid = await failure(() => trpc.students.byId.query({ id: 0 }));
    expect(invalid).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    expect(invalid.problem).toMatchObject({
      code: "validation_failed",
      errors: [expect.objectContaining({ path: "id" })],
    });

    const unknownField = await failure(() =>
      trpc.students.create.mutate({ name: "X", email: uniqueEmail(), role: "admin" } as never),
    );
    expect(unknownField.problem.code).toBe("validation_failed");

    const noStudent = await failure(() => trpc.enrollments.list.query({ studentId: 2147483647 }));
    expect(noStudent.problem).toMatchObject({ code: "student_not_found", studentId: 2147483647 });
  });

  it("batches several calls into one HTTP request", async () => {
    const [students, courses] = await Promise.all([trpc.students.list.query(), trpc.courses.list.query()]);
    expect(students).toHaveProperty("students");
    expect(courses).toHaveProperty("courses");
  });
});

describe("tRPC as plain HTTP (no transformer)", () => {
  it("answers a GET with the input in the query string", async () => {
    const student = await trpc.students.create.mutate({ name: "Plain", email: uniqueEmail() });
    const input = encodeURIComponent(JSON.stringify({ studentId: student.id }));
    const response = await fetch(`${server.baseUrl}/trpc/enrollments.list?input=${input}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      result: { data: { studentId: student.id, courses: [], nextCursor: null } },
    });
  });

  it("answers malformed input JSON with invalid_json and an unknown procedure with not_found", async () => {
    const bad = await fetch(`${server.baseUrl}/trpc/enrollments.list?input=${encodeURIComponent("{bad")}`);
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { data: ProblemData } };
    expect(badBody.error.data.problem.code).toBe("invalid_json");
    const unknown = await fetch(`${server.baseUrl}/trpc/students.nope`);
    expect(unknown.status).toBe(404);
    const unknownBody = (await unknown.json()) as { error: { data: ProblemData } };
    expect(unknownBody.error.data.problem.code).toBe("not_found");
  });

  it("answers a POST mutation with a JSON body", async () => {
    const response = await fetch(`${server.baseUrl}/trpc/courses.create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Raw", level: "b", capacity: null }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { capacity: null; enrolledCount: number } } };
    expect(body.result.data).toMatchObject({ capacity: null, enrolledCount: 0 });
  });
});
