import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";

let server: TestServer;
let admin: string;
let reader: string;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  admin = (await makeKey(server.database.db, "admin")).token;
  reader = (await makeKey(server.database.db, "reader")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`authentication on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("reads the Bearer scheme in any case, with spaces or tabs around the key, and one key only", async () => {
    for (const authorization of [`bearer ${admin}`, `BEARER\t${admin}`, `Bearer   ${admin} \t`]) {
      const answer = await call(server.baseUrl, "GET", "/students", { headers: { authorization } });
      expect(answer.status, JSON.stringify(authorization)).toBe(200);
    }
    for (const authorization of [`Bearer ${admin} ${admin}`, `Bearer${admin}`, admin, "Bearer "]) {
      const answer = await call(server.baseUrl, "GET", "/students", { headers: { authorization } });
      expectProblem(answer, 401, "unauthorized");
    }
  });

  it("tells a missing key from one that is not valid", async () => {
    const missing = await call(server.baseUrl, "GET", "/students");
    expectProblem(missing, 401, "unauthorized");
    expect(missing.body.detail).toMatch(/Send an API key/);
    const invalid = await call(server.baseUrl, "GET", "/students", { token: `${admin}x` });
    expectProblem(invalid, 401, "unauthorized");
    expect(invalid.body.detail).toMatch(/not valid or has been revoked/);
  });

  it("challenges every 401 with WWW-Authenticate, REST and tRPC alike, and no other answer", async () => {
    const refusals = [
      await call(server.baseUrl, "GET", "/students"),
      await call(server.baseUrl, "GET", "/trpc/students.list"),
    ];
    for (const answer of refusals) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="registrar"');
    }
    const forbidden = await call(server.baseUrl, "POST", "/courses", {
      token: reader,
      body: { name: "Nope", level: "beginner" },
    });
    expectProblem(forbidden, 403, "forbidden");
    const others = [forbidden, await call(server.baseUrl, "GET", "/students", { token: admin })];
    for (const answer of others) expect(answer.headers.get("www-authenticate")).toBeNull();
    const failure = await trpcFailure(trpcClient(server.baseUrl).courses.list.query());
    expect(failure).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401 });
  });
});
