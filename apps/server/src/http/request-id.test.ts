import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const allowedOrigin = "https://school.example.org";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({
    auth: { mode: "required" },
    corsOrigins: [allowedOrigin],
    trpcMaxBatchSize: 2,
  });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`request ids on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("puts the request id in every problem's instance, on REST and on tRPC", async () => {
    const rest = await call(server.baseUrl, "GET", "/students/abc", { token });
    expectProblem(rest, 400, "validation_failed");
    expect(rest.body.instance).toBe(`urn:uuid:${rest.headers.get("x-request-id")}`);

    const unauthorized = await call(server.baseUrl, "GET", "/students");
    expect(unauthorized.body.instance).toBe(`urn:uuid:${unauthorized.headers.get("x-request-id")}`);

    const failure = await trpcFailure(
      trpcClient(server.baseUrl, token).students.byId.query({ id: 2_000_000 }),
    );
    expect(failure.problem.code).toBe("student_not_found");
    expect(failure.problem.instance).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const refused = await trpcFailure(trpcClient(server.baseUrl).students.list.query());
    expect(refused.problem.instance).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  // Hono's own requestId keeps ids of 1 to 255 characters, `=` included: the contract's
  // pattern (OpenAPI, X-Request-Id) is 8 to 64 word characters or dashes.
  it("keeps an incoming id of 8 to 64 word characters or dashes; answers any other with a new UUID", async () => {
    for (const kept of ["checkout-7f3a9c21", "12345678", "a".repeat(64), "under_score-and-dash"]) {
      const answer = await call(server.baseUrl, "GET", "/students", {
        token,
        headers: { "x-request-id": kept },
      });
      expect(answer.headers.get("x-request-id"), kept).toBe(kept);
    }
    for (const replaced of ["short", "a".repeat(65), "base64ish==", "with space", "dots.are.not.ok", ""]) {
      const answer = await call(server.baseUrl, "GET", "/students", {
        token,
        headers: { "x-request-id": replaced },
      });
      expect(answer.headers.get("x-request-id"), replaced).toMatch(uuid);
    }
  });

  // Hono's own requestId sets the header before the answer exists, so answers built as a
  // plain Response (problems, tRPC's, a CORS preflight) would go without it.
  it("names every answer: problems, unmatched paths, tRPC answers, a refused batch and a preflight", async () => {
    const answers = {
      problem: await call(server.baseUrl, "GET", "/students/999999", { token }),
      unmatched: await call(server.baseUrl, "GET", "/no/such/route", { token }),
      unauthorized: await call(server.baseUrl, "GET", "/courses"),
      trpc: await call(server.baseUrl, "GET", "/trpc/courses.list", { token }),
      trpcFailure: await call(server.baseUrl, "GET", "/trpc/no.such.procedure", { token }),
      oversizedBatch: await call(
        server.baseUrl,
        "GET",
        "/trpc/courses.list,courses.list,courses.list?batch=1&input=%7B%7D",
        { token },
      ),
      preflight: await call(server.baseUrl, "OPTIONS", "/students", {
        headers: { origin: allowedOrigin, "access-control-request-method": "POST" },
      }),
      docs: await call(server.baseUrl, "GET", "/docs"),
    };
    expect(
      Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.status])),
    ).toEqual({
      problem: 404,
      unmatched: 404,
      unauthorized: 401,
      trpc: 200,
      trpcFailure: 404,
      oversizedBatch: 400,
      preflight: 204,
      docs: 200,
    });
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.headers.get("x-request-id"), name).toMatch(uuid);
    }
    const echoed = await call(server.baseUrl, "GET", "/trpc/no.such.procedure", {
      token,
      headers: { "x-request-id": "trpc-failure-0001" },
    });
    expect(echoed.headers.get("x-request-id")).toBe("trpc-failure-0001");
  });
});
