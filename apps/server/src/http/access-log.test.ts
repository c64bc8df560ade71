import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, makeKey, trpcClient } from "../../test/security/harness.ts";
import { createLogger } from "../logger.ts";
import { startTestServer, type TestServer } from "../testing.ts";

const logLines: string[] = [];
const logger = createLogger("info", {
  write(line: string) {
    logLines.push(line);
  },
});

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ logger, auth: { mode: "required" }, rateLimit: { perMinute: 1000 } });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`access log on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("logs one JSON line per request, each with its request id, never a token", async () => {
    logLines.length = 0;
    const requestId = "test-request-0001";
    const answers = [
      await call(server.baseUrl, "GET", "/students", { token, headers: { "x-request-id": requestId } }),
      await call(server.baseUrl, "GET", "/students", { token: `${token}x` }),
      await call(server.baseUrl, "POST", "/students", {
        token,
        body: { name: "Log", email: "log@example.org" },
      }),
      await call(server.baseUrl, "GET", "/nowhere", { token }),
    ];
    await trpcClient(server.baseUrl, token).courses.list.query();
    expect(answers[0]?.headers.get("x-request-id")).toBe(requestId);

    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.msg === "request");
    expect(requests).toHaveLength(5);
    expect(requests.map((entry) => entry.requestId)).toEqual([
      ...answers.map((answer) => answer.headers.get("x-request-id")),
      expect.any(String),
    ]);
    expect(requests.map((entry) => entry.status)).toEqual([200, 401, 201, 404, 200]);
    expect(requests[0]).toMatchObject({ level: 30, method: "GET", path: "/students", service: "registrar" });
    for (const entry of entries) expect(typeof entry.requestId).toBe("string");

    const secret = token.replace(/^rk_\d+_/, "");
    expect(secret.length).toBeGreaterThan(20);
    const everything = logLines.join("\n");
    expect(everything).not.toContain(secret);
    expect(everything.toLowerCase()).not.toContain("bearer");
  });
});
