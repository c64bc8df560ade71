import { createServer } from "node:net";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { createTRPCClient } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppRouter,
  createRegistrarClient,
  isRegistrarError,
  type RegistrarClient,
  type RegistrarError,
  registrarLinks,
  TRPC_MAX_BATCH_SIZE,
  TRPC_MAX_URL_LENGTH,
  toRegistrarError,
} from "../src/index.ts";

let server: TestServer;
let client: RegistrarClient;
beforeAll(async () => {
  server = await startTestServer();
  client = createRegistrarClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

let counter = 0;
const uniqueEmail = () => `sdk-${process.pid}-${++counter}@example.org`;

/** A local port that was just listening and is now closed: connecting is refused. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The RegistrarError a call rejects with; fails the test when it resolves or throws anything else. */
async function failureOf(call: Promise<unknown>): Promise<RegistrarError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isRegistrarError(error), `expected a RegistrarError, got ${String(error)}`).toBe(true);
  return error as RegistrarError;
}

describe("tRPC client", () => {
  it("creates, reads and enrolls with typed camelCase results", async () => {
    const student = await client.trpc.students.create.mutate({ name: "Ada Lovelace", email: uniqueEmail() });
    const course = await client.trpc.courses.create.mutate({
      name: "Algebra",
      level: "beginner",
      capacity: 3,
    });
    expect(await client.trpc.students.byId.query({ id: student.id })).toEqual(student);

    const assigned = await client.trpc.enrollments.assign.mutate({
      studentId: student.id,
      courseIds: [course.id, course.id],
    });
    expect(assigned).toMatchObject({ studentId: student.id, enrolled: [course.id], alreadyEnrolled: [] });

    const again = await client.trpc.enrollments.assign.mutate({
      studentId: student.id,
      courseIds: [course.id],
    });
    expect(again).toMatchObject({ enrolled: [], alreadyEnrolled: [course.id] });

    const courses = await client.trpc.enrollments.list.query({ studentId: student.id });
    expect(courses.courses.map((c) => c.id)).toEqual([course.id]);
    expect(typeof courses.courses[0]?.enrolledAt).toBe("string");

    const roster = await client.trpc.courses.students.query({ courseId: course.id });
    expect(roster.students.map((s) => s.id)).toEqual([student.id]);
    expect((await client.trpc.courses.byId.query({ id: course.id })).enrolledCount).toBe(1);

    await client.trpc.enrollments.remove.mutate({ studentId: student.id, courseId: course.id });
    expect((await client.trpc.enrollments.list.query({ studentId: student.id })).courses).toEqual([]);
  });

  it("batches calls made together into one request", async () => {
    let requests = 0;
    const counting = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    });
    const [students, courses] = await Promise.all([
      counting.trpc.students.list.query({ limit: 5 }),
      counting.trpc.courses.list.query(),
    ]);
    expect(Array.isArray(students.students)).toBe(true);
    expect(Array.isArray(courses.courses)).toBe(true);
    expect(requests).toBe(1);
  });

  it(`splits more calls than the server takes in one batch (TRPC_MAX_BATCH_SIZE, ${TRPC_MAX_BATCH_SIZE}) into several`, async () => {
    const student = await client.trpc.students.create.mutate({ name: "Many Reads", email: uniqueEmail() });
    let requests = 0;
    const counting = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    });
    const calls = TRPC_MAX_BATCH_SIZE * 2 + 20;
    const reads = await Promise.all(
      Array.from({ length: calls }, () => counting.trpc.students.byId.query({ id: student.id })),
    );
    expect(reads).toEqual(Array(calls).fill(student));
    expect(requests).toBe(3);
  });

  it("keeps batched GET URLs short enough for the server and proxies (TRPC_MAX_URL_LENGTH)", async () => {
    const urls: string[] = [];
    const recording = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    // 40 calls with 2 kB inputs: 80 kB in one URL would be over Node's 16 KiB header limit
    const errors = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        failureOf(recording.trpc.students.list.query({ cursor: `${index}`.padEnd(2_000, "x") })),
      ),
    );
    for (const error of errors) {
      expect(error.code).toBe("validation_failed");
      expect(error.problem.errors).toEqual([expect.objectContaining({ path: "cursor" })]);
    }
    expect(urls.length).toBeGreaterThan(1);
    for (const url of urls) expect(url.length).toBeLessThanOrEqual(TRPC_MAX_URL_LENGTH);
  });
});

describe("REST client", () => {
  it("creates, reads and enrolls with typed snake_case bodies", async () => {
    const created = await client.rest.POST("/students", {
      body: { name: "Grace Hopper", email: uniqueEmail() },
    });
    expect(created.response.status).toBe(201);
    const student = created.data;
    if (!student) throw new Error("POST /students resolved without a body");
    expect(created.response.headers.get("location")).toBe(`/students/${student.id}`);

    const course = (await client.rest.POST("/courses", { body: { name: "Compilers", level: "advanced" } }))
      .data;
    if (!course) throw new Error("POST /courses resolved without a body");
    expect(course).toMatchObject({ capacity: null, enrolled_count: 0 });

    const fetched = await client.rest.GET("/students/{id}", { params: { path: { id: String(student.id) } } });
    expect(fetched.data).toEqual(student);

    const assigned = await client.rest.POST("/students/{id}/courses", {
      params: { path: { id: String(student.id) } },
      body: { course_ids: [course.id] },
    });
    expect(assigned.response.status).toBe(201);
    expect(assigned.data).toMatchObject({
      student_id: student.id,
      enrolled: [course.id],
      already_enrolled: [],
    });

    const list = await client.rest.GET("/students/{id}/courses", {
      params: { path: { id: String(student.id) }, query: { limit: "10" } },
    });
    expect(list.data?.courses.map((c) => c.id)).toEqual([course.id]);

    const removed = await client.rest.DELETE("/students/{id}/courses/{course_id}", {
      params: { path: { id: String(student.id), course_id: String(course.id) } },
    });
    expect(removed.response.status).toBe(204);
  });
});

describe("errors: one RegistrarError from either client", () => {
  it("reports a missing student with its code and id", async () => {
    const viaTrpc = await failureOf(client.trpc.students.byId.query({ id: 2_000_000 }));
    const viaRest = await failureOf(
      client.rest.GET("/students/{id}", { params: { path: { id: "2000000" } } }),
    );
    for (const error of [viaTrpc, viaRest]) {
      expect(error).toMatchObject({ code: "student_not_found", status: 404 });
      expect(error.problem.studentId).toBe(2_000_000);
      expect(error.detail).toBe(error.message);
      expect(error.detail).toMatch(/2000000/);
    }
  });

  it("reports validation failures with the faulty fields", async () => {
    const viaTrpc = await failureOf(client.trpc.students.create.mutate({ name: "X", email: "not-an-email" }));
    const viaRest = await failureOf(
      client.rest.POST("/students", { body: { name: "X", email: "not-an-email" } }),
    );
    for (const error of [viaTrpc, viaRest]) {
      expect(error).toMatchObject({ code: "validation_failed", status: 400 });
      expect(error.problem.errors?.map((issue) => issue.path)).toEqual(["email"]);
    }
    const badId = await failureOf(client.rest.GET("/students/{id}", { params: { path: { id: "abc" } } }));
    expect(badId.code).toBe("validation_failed");
  });

  it("reports missing courses of an assignment as missingCourseIds (REST snake_case camelCased)", async () => {
    const student = await client.trpc.students.create.mutate({ name: "Alan", email: uniqueEmail() });
    const course = await client.trpc.courses.create.mutate({ name: "Logic", level: "intro" });
    const viaTrpc = await failureOf(
      client.trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id, 1_999_999] }),
    );
    const viaRest = await failureOf(
      client.rest.POST("/students/{id}/courses", {
        params: { path: { id: String(student.id) } },
        body: { course_ids: [course.id, 1_999_999] },
      }),
    );
    for (const error of [viaTrpc, viaRest]) {
      expect(error).toMatchObject({ code: "course_not_found", status: 422 });
      expect(error.problem.missingCourseIds).toEqual([1_999_999]);
      expect(error.problem).not.toHaveProperty("missing_course_ids");
    }
    // atomic: the existing course was not enrolled either
    expect((await client.trpc.enrollments.list.query({ studentId: student.id })).courses).toEqual([]);
  });

  it("reports a full course as course_full with fullCourseIds", async () => {
    const course = await client.trpc.courses.create.mutate({
      name: "Seminar",
      level: "advanced",
      capacity: 1,
    });
    const first = await client.trpc.students.create.mutate({ name: "First", email: uniqueEmail() });
    const second = await client.trpc.students.create.mutate({ name: "Second", email: uniqueEmail() });
    await client.trpc.enrollments.assign.mutate({ studentId: first.id, courseIds: [course.id] });
    const viaTrpc = await failureOf(
      client.trpc.enrollments.assign.mutate({ studentId: second.id, courseIds: [course.id] }),
    );
    const viaRest = await failureOf(
      client.rest.POST("/students/{id}/courses", {
        params: { path: { id: String(second.id) } },
        body: { course_ids: [course.id] },
      }),
    );
    for (const error of [viaTrpc, viaRest]) {
      expect(error).toMatchObject({ code: "course_full", status: 409 });
      expect(error.problem.fullCourseIds).toEqual([course.id]);
    }
  });

  it("reports an unreachable server as network_error, status 0", async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}`;
    const dead = createRegistrarClient({ baseUrl });
    const viaTrpc = await failureOf(dead.trpc.students.list.query());
    const viaRest = await failureOf(dead.rest.GET("/students"));
    for (const error of [viaTrpc, viaRest]) {
      expect(error).toMatchObject({ code: "network_error", status: 0 });
      expect(error.detail).toContain(baseUrl);
    }
  });

  it("turns a TRPCClientError from a hand-built client into a RegistrarError", async () => {
    const plain = createTRPCClient<AppRouter>({
      links: registrarLinks({ baseUrl: server.baseUrl }),
    });
    const raw = await plain.courses.byId.query({ id: 1_999_999 }).catch((reason: unknown) => reason);
    expect(isRegistrarError(raw)).toBe(false);
    const error = toRegistrarError(raw);
    expect(error).toMatchObject({ code: "course_not_found", status: 404 });
    expect(error.problem.courseId).toBe(1_999_999);
  });
});

describe("options", () => {
  it("sends the token as a bearer header on both clients, and uses the given fetch", async () => {
    const seen: Array<string | null> = [];
    const recording = createRegistrarClient({
      baseUrl: `${server.baseUrl}/`,
      token: "s3cret",
      fetch: (input, init) => {
        const request = new Request(input, init);
        seen.push(request.headers.get("authorization"));
        return fetch(request);
      },
    });
    await recording.trpc.students.list.query();
    await recording.rest.GET("/students");
    expect(seen).toEqual(["Bearer s3cret", "Bearer s3cret"]);
  });
});
