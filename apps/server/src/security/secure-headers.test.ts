import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, makeKey } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

describe(`secure headers on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
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
});
