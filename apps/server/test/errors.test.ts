import { describe, expect, it } from "vitest";
import { expectProblem, makeStudent, uniqueEmail, useTestServer } from "./http-client.ts";

const context = useTestServer();
const api = context.api;

async function countStudents(): Promise<number> {
  const rows = await context.server.database.db.raw<{ rows: Array<{ n: number }> }>(
    "select count(*)::int as n from students",
  );
  return rows.rows[0]?.n ?? -1;
}

describe("the contract's error table over REST", () => {
  it("400 invalid_json: a body that does not parse", async () => {
    const before = await countStudents();
    for (const raw of ['{"name": "Ada",', "{name: 'Ada'}", "nul", '{"a":1}}']) {
      const answer = await api.send("POST", "/students", undefined, {
        raw,
        headers: { "content-type": "application/json" },
      });
      expectProblem(answer, 400, "invalid_json");
    }
    expect(await countStudents()).toBe(before);
  });

  it("415 unsupported_media_type: a body that is not JSON", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const answer = await api.send("POST", "/students", undefined, {
        raw: "name=Ada&email=a@example.org",
        headers: { "content-type": type },
      });
      expectProblem(answer, 415, "unsupported_media_type");
    }
    const noType = await api.send("POST", "/courses", undefined, { raw: '{"name":"A","level":"b"}' });
    expect([415]).toContain(noType.status);
  });

  it("accepts JSON with a charset and the +json suffix", async () => {
    for (const type of ["application/json; charset=utf-8", "application/merge-patch+json"]) {
      const answer = await api.send("POST", "/courses", undefined, {
        raw: JSON.stringify({ name: "Typed", level: "b" }),
        headers: { "content-type": type },
      });
      expect(answer.status, answer.text).toBe(201);
    }
  });

  it("400 validation_failed: a required body that is missing", async () => {
    const answer = await api.send("POST", "/students", undefined, {
      headers: { "content-type": "application/json" },
    });
    expectProblem(answer, 400, "validation_failed");
  });

  it("413 payload_too_large: a body over 1 MiB, with or without Content-Length", async () => {
    const before = await countStudents();
    const huge = JSON.stringify({ name: "x".repeat(1024 * 1024), email: "big@example.org" });
    expectProblem(await api.post("/students", JSON.parse(huge)), 413, "payload_too_large");
    // chunked: no Content-Length header, the limit still holds while reading
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        const piece = new TextEncoder().encode("x".repeat(64 * 1024));
        controller.enqueue(new TextEncoder().encode('{"name":"'));
        for (let i = 0; i < 20; i++) controller.enqueue(piece);
        controller.enqueue(new TextEncoder().encode('","email":"c@example.org"}'));
        controller.close();
      },
    });
    const response = await fetch(`${context.server.baseUrl}/students`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "payload_too_large" });
    expect(await countStudents()).toBe(before);
  });

  it("404 not_found: an unknown route, with any method, as problem+json", async () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["POST", "/students/1/grades"],
      ["GET", "/students/1/courses/2/extra"],
      ["DELETE", "/courses/1/students/2"],
    ] as const) {
      const answer = await api.send(method, path);
      const problem = expectProblem(answer, 404, "not_found");
      expect(problem.detail).toContain(path);
    }
  });

  it("405 method_not_allowed with an Allow header on known paths", async () => {
    const cases: Array<[string, string, string]> = [
      ["PUT", "/students", "GET, HEAD, POST"],
      ["DELETE", "/courses", "GET, HEAD, POST"],
      ["POST", "/students/1", "DELETE, GET, HEAD, PATCH"],
      ["PATCH", "/students/1/courses", "GET, HEAD, POST, PUT"],
      // v1.1 adds PATCH (complete or drop) to the pair's path
      ["GET", "/students/1/courses/2", "DELETE, PATCH"],
      ["POST", "/courses/1/students", "GET, HEAD"],
      ["POST", "/health/live", "GET, HEAD"],
      ["DELETE", "/openapi.json", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await api.send(method, path);
      expectProblem(answer, 405, "method_not_allowed");
      expect(answer.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
  });

  it("a trailing slash: GET and HEAD are sent to the path without it, other methods get 404, never 405", async () => {
    const student = await makeStudent(api);
    const base = context.server.baseUrl;
    for (const [path, target] of [
      ["/students/", "/students"],
      ["/students/?limit=2&cursor=abc", "/students?limit=2&cursor=abc"],
      [`/students/${student.id}/`, `/students/${student.id}`],
      [`/students/${student.id}/courses/`, `/students/${student.id}/courses`],
      ["/health/live/", "/health/live"],
      ["/openapi.json/", "/openapi.json"],
      ["/docs/", "/docs"],
    ]) {
      for (const method of ["GET", "HEAD"]) {
        const answer = await fetch(`${base}${path}`, { method, redirect: "manual" });
        expect(answer.status, `${method} ${path}`).toBe(301);
        expect(answer.headers.get("location"), `${method} ${path}`).toBe(target);
      }
    }
    // followed, the redirect gives the same answer as the path without the slash
    const followed = await api.get(`/students/${student.id}/`);
    expect(followed.status).toBe(200);
    expect(followed.body).toMatchObject({ id: student.id });

    const before = await countStudents();
    for (const [method, path] of [
      ["POST", "/students/"],
      ["PATCH", `/students/${student.id}/`],
      ["DELETE", `/students/${student.id}/`],
      ["PUT", `/students/${student.id}/courses/`],
    ] as const) {
      const answer = await api.send(method, path, { name: "Slashed", email: uniqueEmail() });
      const problem = expectProblem(answer, 404, "not_found");
      expect(problem.detail).toContain(path.replace(/\/$/, ", without the trailing slash"));
    }
    expect(await countStudents()).toBe(before);
  });

  it("a trailing slash on a path that is not served is a plain 404, and never redirects off this server", async () => {
    for (const path of ["/nope/", "//evil.example/", "/students/abc/def/"]) {
      const answer = await fetch(`${context.server.baseUrl}${path}`, { redirect: "manual" });
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get("location")).toBeNull();
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("400 validation_failed: each unknown field is an entry of its own", async () => {
    const answer = await api.post("/students", { name: "A", email: uniqueEmail(), nickname: 1, grade: 2 });
    const problem = expectProblem(answer, 400, "validation_failed");
    expect(problem.errors).toEqual([
      { path: "nickname", message: "is not a known field" },
      { path: "grade", message: "is not a known field" },
    ]);
    expect(problem.detail).toBe("nickname: is not a known field (and 1 more)");
  });

  it("a problem echoes a bounded part of the request: 100 faults at most, each clipped, detail ≤ 1000", async () => {
    const before = await countStudents();
    const fields: Record<string, number> = {};
    for (let i = 0; i < 40_000; i += 1) fields[`f${i}${"x".repeat(i < 3 ? 500 : 0)}`] = 0;
    const answer = await api.post("/students", { name: "A", email: uniqueEmail(), ...fields });
    const problem = expectProblem(answer, 400, "validation_failed");
    const errors = problem.errors as Array<{ path: string; message: string }>;
    expect(errors).toHaveLength(100);
    expect(errors[1]?.path).toMatch(/^f1x+…$/);
    expect(errors[1]?.path).toHaveLength(200);
    expect(errors[99]).toEqual({ path: "f99", message: "is not a known field" });
    expect(problem.detail).toMatch(/ \(and 39999 more\)$/);
    expect(String(problem.detail).length).toBeLessThanOrEqual(1000);
    expect(answer.text.length).toBeLessThan(20_000);
    expect(await countStudents()).toBe(before);

    // a number written with an exponent is quoted in the message, clipped
    const exponent = await api.send("POST", "/courses", undefined, {
      headers: { "content-type": "application/json" },
      raw: `{"name":"A","level":"b","capacity":1${"0".repeat(5000)}e1}`,
    });
    const capacity = expectProblem(exponent, 400, "validation_failed").errors as Array<{ message: string }>;
    expect(capacity[0]?.message).toMatch(/^must be an integer in plain decimal, not 10+…$/);
    expect(capacity[0]?.message).toHaveLength(300);

    // a path is quoted in a 404's detail, clipped
    const long = `/${"a".repeat(5000)}`;
    const notFound = expectProblem(await api.get(long), 404, "not_found");
    expect(notFound.detail).toMatch(/^There is nothing at \/a+…$/);
    expect(notFound.detail).toHaveLength(1000);
  });

  it("every problem names its request in instance and X-Request-Id", async () => {
    const answer = await api.get("/students/999999");
    const problem = expectProblem(answer, 404, "student_not_found");
    const requestId = answer.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(problem.instance).toBe(`urn:uuid:${requestId}`);
  });

  it("answers HEAD like GET without a body", async () => {
    const student = await makeStudent(api);
    const response = await fetch(`${context.server.baseUrl}/students/${student.id}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});
