import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing.ts";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "./harness.ts";

/**
 * Where the role check sits between the key check and parsing: a role that may never call
 * an operation is refused before anything it sent is read; a check that depends on the ids
 * the request names runs on those ids as parsed.
 */
let server: TestServer;
const keys = {} as Record<"registrar" | "reader" | "student", string>;
const ids = { own: 0, other: 0 };

beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  const db = server.database.db;
  keys.registrar = (await makeKey(db, "registrar")).token;
  keys.reader = (await makeKey(db, "reader")).token;
  for (const [name, email] of [
    ["own", "own@example.org"],
    ["other", "other@example.org"],
  ] as const) {
    const created = await call(server.baseUrl, "POST", "/students", {
      token: keys.registrar,
      body: { name, email },
    });
    expect(created.status, created.text).toBe(201);
    ids[name] = created.body.id as number;
  }
  keys.student = (await makeKey(db, "student", ids.own)).token;
});
afterAll(async () => {
  await server?.close();
});

describe("REST", () => {
  it("refuses a role that may not write before reading its body or ids (403, never 400 or 413)", async () => {
    for (const [method, path, body] of [
      ["POST", "/students", { name: "", email: "not an email" }],
      ["PATCH", "/students/abc", { name: "x" }],
      ["POST", `/students/${ids.other}/courses`, { course_ids: [] }],
      ["POST", "/courses", "x".repeat(1024 * 1024 + 1)],
    ] as const) {
      expectProblem(await call(server.baseUrl, method, path, { token: keys.reader, body }), 403, "forbidden");
    }
  });

  it("parses first where the answer depends on the ids named: a bad id is 400 for every role", async () => {
    for (const token of [keys.registrar, keys.reader, keys.student]) {
      const answer = await call(server.baseUrl, "GET", "/students/abc", { token });
      expectProblem(answer, 400, "validation_failed");
      expect(answer.body.errors).toEqual([{ path: "id", message: expect.any(String) }]);
    }
    const invalid = await call(server.baseUrl, "POST", "/students", {
      token: keys.registrar,
      body: { name: "" },
    });
    expectProblem(invalid, 400, "validation_failed");
  });

  it("decides a student key on the parsed ids: another student is missing, its own may not be written", async () => {
    const other = await call(server.baseUrl, "PATCH", `/students/${ids.other}`, {
      token: keys.student,
      body: { name: "x" },
    });
    expectProblem(other, 404, "student_not_found");
    expect(other.body.student_id).toBe(ids.other);
    expectProblem(
      await call(server.baseUrl, "PATCH", `/students/${ids.own}`, {
        token: keys.student,
        body: { name: "x" },
      }),
      403,
      "forbidden",
    );
  });
});

describe("tRPC", () => {
  it("refuses a role that may not write before parsing its input", async () => {
    const failure = await trpcFailure(
      trpcClient(server.baseUrl, keys.reader).students.create.mutate({ name: "", email: "x" }),
    );
    expect(failure).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
    expect(failure.problem.code).toBe("forbidden");
  });

  it("answers a bad id 400 validation_failed, naming the field, whoever asks", async () => {
    for (const token of [keys.registrar, keys.student]) {
      const failure = await trpcFailure(
        // @ts-expect-error: an id that does not parse
        trpcClient(server.baseUrl, token).students.byId.query({ id: "abc" }),
      );
      expect(failure).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
      expect(failure.problem).toMatchObject({ code: "validation_failed", errors: [{ path: "id" }] });
    }
  });
});
