import { revokeApiKey } from "@registrar/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing.ts";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "./harness.ts";

let server: TestServer;
const keys = {} as Record<"admin" | "registrar" | "reader" | "student" | "revoked", string>;
/** s1 is the student key's own student, enrolled in c1 only; s2 is someone else. */
const ids = { s1: 0, s2: 0, c1: 0, c2: 0 };

beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  const db = server.database.db;
  keys.admin = (await makeKey(db, "admin")).token;
  keys.registrar = (await makeKey(db, "registrar")).token;
  keys.reader = (await makeKey(db, "reader")).token;
  const revoked = await makeKey(db, "reader");
  await revokeApiKey(db, revoked.id);
  keys.revoked = revoked.token;

  const post = async (path: string, body: unknown) => {
    const answer = await call(server.baseUrl, "POST", path, { token: keys.registrar, body });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id as number;
  };
  ids.s1 = await post("/students", { name: "Own Student", email: "own@example.org" });
  ids.s2 = await post("/students", { name: "Other Student", email: "other@example.org" });
  ids.c1 = await post("/courses", { name: "Enrolled", level: "beginner" });
  ids.c2 = await post("/courses", { name: "Not enrolled", level: "beginner" });
  const assigned = await call(server.baseUrl, "POST", `/students/${ids.s1}/courses`, {
    token: keys.registrar,
    body: { course_ids: [ids.c1] },
  });
  expect(assigned.status, assigned.text).toBe(201);
  keys.student = (await makeKey(db, "student", ids.s1)).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`AUTH=required on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("answers 401 unauthorized without a key, with a wrong, malformed or revoked key", async () => {
    const wrongSecret = keys.reader.replace(/^(rk_\d+_).*$/, `$1${"A".repeat(43)}`);
    for (const token of [undefined, "nonsense", wrongSecret, keys.revoked]) {
      for (const [method, path] of [
        ["GET", "/students"],
        ["POST", "/courses"],
        ["GET", "/students/1/courses"],
        ["GET", "/no/such/route"],
        ["GET", "/trpc"],
        ["GET", "/trpc/no.such.procedure"],
      ] as const) {
        const answer = await call(server.baseUrl, method, path, { token });
        expectProblem(answer, 401, "unauthorized");
        expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
  });

  it("reads the key only from an Authorization: Bearer header", async () => {
    const answer = await call(server.baseUrl, "GET", "/students", {
      headers: { authorization: `Basic ${keys.admin}` },
    });
    expectProblem(answer, 401, "unauthorized");
  });

  it("keeps health, /docs, /openapi.json and the web UI's static shell open", async () => {
    for (const path of ["/health/live", "/health/ready", "/docs", "/openapi.json", "/", "/app/api-key"]) {
      const answer = await call(server.baseUrl, "GET", path);
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
  });

  it("answers tRPC without a valid key with UNAUTHORIZED and the unauthorized problem", async () => {
    for (const token of [undefined, keys.revoked]) {
      const failure = await trpcFailure(trpcClient(server.baseUrl, token).students.list.query());
      expect(failure.code).toBe("UNAUTHORIZED");
      expect(failure.httpStatus).toBe(401);
      expect(failure.problem.code).toBe("unauthorized");
    }
  });

  it("declares the bearer scheme in the OpenAPI document, lifted only on public paths", async () => {
    const { body } = await call(server.baseUrl, "GET", "/openapi.json");
    const document = body as {
      security: unknown;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.security).toEqual([{ apiKey: [] }]);
    // `[{}]`: the empty requirement, anonymous access
    expect(document.paths["/health/live"]?.get?.security).toEqual([{}]);
    expect(document.paths["/openapi.json"]?.get?.security).toEqual([{}]);
    const listStudents = document.paths["/students"]?.get;
    expect(listStudents?.security).toBeUndefined();
    expect(Object.keys(listStudents?.responses ?? {})).toEqual(expect.arrayContaining(["401", "403", "429"]));
  });
});

describe("roles over REST", () => {
  it("admin and registrar manage students, courses and enrollments", async () => {
    for (const token of [keys.admin, keys.registrar]) {
      const created = await call(server.baseUrl, "POST", "/courses", {
        token,
        body: { name: "Temp", level: "x" },
      });
      expect(created.status, created.text).toBe(201);
      const patched = await call(server.baseUrl, "PATCH", `/courses/${created.body.id}`, {
        token,
        body: { capacity: 10 },
      });
      expect(patched.status, patched.text).toBe(200);
      const deleted = await call(server.baseUrl, "DELETE", `/courses/${created.body.id}`, { token });
      expect(deleted.status).toBe(204);
    }
  });

  it("reader reads everything and changes nothing (403 forbidden)", async () => {
    for (const path of ["/students", `/students/${ids.s2}`, `/courses/${ids.c2}/students`, "/courses"]) {
      const answer = await call(server.baseUrl, "GET", path, { token: keys.reader });
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
    const writes = [
      ["POST", "/students", { name: "No", email: "no@example.org" }],
      ["PATCH", `/students/${ids.s2}`, { name: "No" }],
      ["DELETE", `/courses/${ids.c2}`, undefined],
      ["POST", `/students/${ids.s2}/courses`, { course_ids: [ids.c1] }],
      ["PUT", `/students/${ids.s2}/courses`, { course_ids: [] }],
    ] as const;
    for (const [method, path, body] of writes) {
      expectProblem(await call(server.baseUrl, method, path, { token: keys.reader, body }), 403, "forbidden");
    }
    // nothing changed
    const s2 = await call(server.baseUrl, "GET", `/students/${ids.s2}`, { token: keys.reader });
    expect(s2.body.name).toBe("Other Student");
  });

  it("student reads its own student, its courses and a course it is enrolled in", async () => {
    const own = await call(server.baseUrl, "GET", `/students/${ids.s1}`, { token: keys.student });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ id: ids.s1, name: "Own Student" });
    const courses = await call(server.baseUrl, "GET", `/students/${ids.s1}/courses`, { token: keys.student });
    expect(courses.status, courses.text).toBe(200);
    expect((courses.body.courses as Array<{ id: number }>).map((course) => course.id)).toEqual([ids.c1]);
    const course = await call(server.baseUrl, "GET", `/courses/${ids.c1}`, { token: keys.student });
    expect(course.status, course.text).toBe(200);
  });

  it("student asking for another student's data gets 404 student_not_found, like a missing id", async () => {
    for (const id of [ids.s2, 2_000_000]) {
      for (const [method, path, body] of [
        ["GET", `/students/${id}`, undefined],
        ["GET", `/students/${id}/courses`, undefined],
        ["PATCH", `/students/${id}`, { name: "x" }],
        ["DELETE", `/students/${id}`, undefined],
        ["POST", `/students/${id}/courses`, { course_ids: [ids.c1] }],
        ["DELETE", `/students/${id}/courses/${ids.c1}`, undefined],
      ] as const) {
        const answer = await call(server.baseUrl, method, path, { token: keys.student, body });
        expectProblem(answer, 404, "student_not_found");
        expect(answer.body.student_id).toBe(id);
      }
    }
    // a course the student is not in looks missing too
    const other = await call(server.baseUrl, "GET", `/courses/${ids.c2}`, { token: keys.student });
    expectProblem(other, 404, "course_not_found");
    const missing = await call(server.baseUrl, "GET", "/courses/2000000", { token: keys.student });
    expectProblem(missing, 404, "course_not_found");
    expect(other.body.detail).toBe(`Course ${ids.c2} does not exist.`);
  });

  it("student may do nothing else: lists, rosters and writes to itself are 403 forbidden", async () => {
    for (const [method, path, body] of [
      ["GET", "/students", undefined],
      ["GET", "/courses", undefined],
      ["GET", `/courses/${ids.c1}/students`, undefined],
      ["POST", "/students", { name: "x", email: "x@example.org" }],
      ["PATCH", `/students/${ids.s1}`, { name: "Renamed" }],
      ["POST", `/students/${ids.s1}/courses`, { course_ids: [ids.c2] }],
      ["DELETE", `/students/${ids.s1}`, undefined],
    ] as const) {
      expectProblem(
        await call(server.baseUrl, method, path, { token: keys.student, body }),
        403,
        "forbidden",
      );
    }
  });
});

describe("roles over tRPC", () => {
  it("reader queries but may not mutate", async () => {
    const reader = trpcClient(server.baseUrl, keys.reader);
    expect((await reader.students.list.query()).students.length).toBeGreaterThanOrEqual(2);
    const failure = await trpcFailure(
      reader.students.create.mutate({ name: "No", email: "no2@example.org" }),
    );
    expect(failure).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
    expect(failure.problem.code).toBe("forbidden");
  });

  it("registrar mutates", async () => {
    const registrar = trpcClient(server.baseUrl, keys.registrar);
    const course = await registrar.courses.create.mutate({ name: "tRPC course", level: "x" });
    await registrar.courses.delete.mutate({ id: course.id });
  });

  it("student reads itself and its courses; another student is NOT_FOUND student_not_found", async () => {
    const student = trpcClient(server.baseUrl, keys.student);
    expect((await student.students.byId.query({ id: ids.s1 })).name).toBe("Own Student");
    const page = await student.enrollments.list.query({ studentId: ids.s1 });
    expect(page.courses.map((course) => course.id)).toEqual([ids.c1]);
    expect((await student.courses.byId.query({ id: ids.c1 })).id).toBe(ids.c1);

    for (const call of [
      () => student.students.byId.query({ id: ids.s2 }),
      () => student.enrollments.list.query({ studentId: ids.s2 }),
      () => student.enrollments.assign.mutate({ studentId: ids.s2, courseIds: [ids.c1] }),
      () => student.students.delete.mutate({ id: 2_000_000 }),
    ]) {
      const failure = await trpcFailure(call());
      expect(failure).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
      expect(failure.problem.code).toBe("student_not_found");
    }
    const course = await trpcFailure(student.courses.byId.query({ id: ids.c2 }));
    expect(course.problem.code).toBe("course_not_found");

    for (const call of [
      () => student.students.list.query(),
      () => student.courses.students.query({ courseId: ids.c1 }),
      () => student.students.update.mutate({ id: ids.s1, name: "Renamed" }),
    ]) {
      const failure = await trpcFailure(call());
      expect(failure).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
      expect(failure.problem.code).toBe("forbidden");
    }
  });
});

describe("managing keys over tRPC (admin only)", () => {
  it("admin creates a key shown once, lists keys without secrets, and revokes", async () => {
    const admin = trpcClient(server.baseUrl, keys.admin);
    const created = await admin.keys.create.mutate({ role: "student", studentId: ids.s2, name: "s2's app" });
    expect(created).toMatchObject({ role: "student", studentId: ids.s2, name: "s2's app", revokedAt: null });
    const own = await call(server.baseUrl, "GET", `/students/${ids.s2}`, { token: created.token });
    expect(own.status, own.text).toBe(200);

    const { keys: listed } = await admin.keys.list.query();
    const entry = listed.find((key) => key.id === created.id);
    expect(entry).toMatchObject({ role: "student", studentId: ids.s2 });
    expect(entry?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.token.replace(/^rk_\d+_/, ""));

    // revoked before it was ever used: refused at once (a used key is cached up to 10 s)
    const unused = await admin.keys.create.mutate({ role: "reader" });
    expect((await admin.keys.revoke.mutate({ id: unused.id })).revokedAt).not.toBeNull();
    expectProblem(
      await call(server.baseUrl, "GET", "/courses", { token: unused.token }),
      401,
      "unauthorized",
    );

    const missing = await trpcFailure(admin.keys.revoke.mutate({ id: 2_000_000 }));
    expect(missing).toMatchObject({ code: "NOT_FOUND" });
    expect(missing.problem).toMatchObject({ code: "not_found", keyId: 2_000_000 });
    const unbound = await trpcFailure(admin.keys.create.mutate({ role: "student" }));
    expect(unbound.problem.code).toBe("validation_failed");
  });

  it("refuses every other role with 403 forbidden", async () => {
    for (const token of [keys.registrar, keys.reader, keys.student]) {
      const client = trpcClient(server.baseUrl, token);
      for (const attempt of [
        () => client.keys.list.query(),
        () => client.keys.create.mutate({ role: "admin" }),
      ]) {
        const failure = await trpcFailure(attempt());
        expect(failure).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
        expect(failure.problem.code).toBe("forbidden");
      }
    }
  });
});

describe("AUTH off (the default outside production)", () => {
  it("needs no key and ignores one that is not valid", async () => {
    const open = await startTestServer();
    try {
      expect((await call(open.baseUrl, "GET", "/students")).status).toBe(200);
      expect((await call(open.baseUrl, "GET", "/students", { token: "nonsense" })).status).toBe(200);
      expect((await trpcClient(open.baseUrl).students.list.query()).students).toEqual([]);
      // with auth off nobody may mint keys that a later AUTH=required would honour
      const minted = await trpcFailure(trpcClient(open.baseUrl).keys.create.mutate({ role: "admin" }));
      expect(minted).toMatchObject({ code: "FORBIDDEN" });
      expect(minted.problem.code).toBe("forbidden");
    } finally {
      await open.close();
    }
  });
});
