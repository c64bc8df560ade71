import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("health", () => {
  it("answers live and ready with status ok", async () => {
    for (const path of ["/health/live", "/health/ready"]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    }
  });

  it("answers ready 503 service_unavailable when the database is gone", async () => {
    const { createApp } = await import("../app.ts");
    const { createTestDatabase } = await import("@registrar/db/testing");
    const database = await createTestDatabase();
    const app = createApp({ db: database.db });
    await database.drop();
    const response = await app.request("/health/ready");
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("retry-after")).toBeTruthy();
    expect(await response.json()).toMatchObject({ status: 503, code: "service_unavailable" });
  });
});
