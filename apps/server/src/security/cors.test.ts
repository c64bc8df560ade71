import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, makeKey } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";

const allowedOrigin = "https://school.example.org";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({
    auth: { mode: "required" },
    rateLimit: { perMinute: 1000 },
    corsOrigins: [allowedOrigin, "http://localhost:5173"],
  });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`CORS on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
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
});
