import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { startTestServer, type TestServer } from "../../src/testing.ts";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "./harness.ts";

const allowedOrigin = "https://school.example.org";
const logLines: string[] = [];
const logger = createLogger("info", {
  write(line: string) {
    logLines.push(line);
  },
});

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({
    logger,
    auth: { mode: "required" },
    rateLimit: { perMinute: 1000 },
    corsOrigins: [allowedOrigin, "http://localhost:5173"],
  });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`hardening on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("sends secure headers on JSON, problems and HTML alike", async () => {
    const answers = [
      await call(server.baseUrl, "GET", "/students", { token }),
      await call(server.baseUrl, "GET", "/students"),
      await call(server.baseUrl, "GET", "/docs"),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 200]);
    for (const { headers } of answers) {
      expect(headers.get("x-content-type-options")).toBe("nosniff");
      expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(headers.get("referrer-policy")).toBe("no-referrer");
      expect(headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
      expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(headers.get("x-powered-by")).toBeNull();
    }
    for (const { headers } of answers.slice(0, 2)) {
      expect(headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("answers CORS only for allowlisted origins", async () => {
    const allowed = await call(server.baseUrl, "GET", "/students", {
      token,
      headers: { origin: allowedOrigin },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(allowed.headers.get("vary")).toMatch(/origin/i);
    expect(allowed.headers.get("access-control-expose-headers")).toMatch(/ratelimit-remaining/i);

    const denied = await call(server.baseUrl, "GET", "/students", {
      token,
      headers: { origin: "https://evil.example.com" },
    });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();

    // A preflight carries no credentials: it is answered before auth.
    const preflight = await call(server.baseUrl, "OPTIONS", "/students", {
      headers: {
        origin: allowedOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const deniedPreflight = await call(server.baseUrl, "OPTIONS", "/students", {
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(deniedPreflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS headers at all without an allowlist", async () => {
    const open = await startTestServer();
    try {
      const answer = await call(open.baseUrl, "GET", "/students", { headers: { origin: allowedOrigin } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await open.close();
    }
  });

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
