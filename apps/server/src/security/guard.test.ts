import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" }, rateLimit: { perMinute: 2 } });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`the guard on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("counts a request before it looks at the key: over the budget, 429 comes before 401", async () => {
    expectProblem(await call(server.baseUrl, "GET", "/courses"), 401, "unauthorized");
    expectProblem(await call(server.baseUrl, "GET", "/courses"), 401, "unauthorized");
    const refused = await call(server.baseUrl, "GET", "/courses");
    expectProblem(refused, 429, "rate_limited");
    expect(refused.headers.get("www-authenticate")).toBeNull();
    const overTrpc = await trpcFailure(trpcClient(server.baseUrl).courses.list.query());
    expect(overTrpc).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429 });
    // a valid key has a budget of its own
    expect((await call(server.baseUrl, "GET", "/courses", { token })).status).toBe(200);
  });
});
