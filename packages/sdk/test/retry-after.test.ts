import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrarClient, isRegistrarError, type RegistrarError } from "../src/index.ts";

async function failure(call: Promise<unknown>): Promise<RegistrarError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isRegistrarError(error)) throw new Error(`expected a RegistrarError, got ${String(error)}`);
  return error;
}

describe("over the rate limit", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ rateLimit: { perMinute: 2 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("says when to retry from either client (REST sends it as the Retry-After header)", async () => {
    const { trpc, rest } = createRegistrarClient({ baseUrl: server.baseUrl });
    await trpc.students.list.query();
    await rest.GET("/students");
    for (const error of [await failure(rest.GET("/students")), await failure(trpc.students.list.query())]) {
      expect(error.code).toBe("rate_limited");
      expect(error.problem.retryAfter).toBeGreaterThanOrEqual(1);
      expect(error.problem.retryAfter).toBeLessThanOrEqual(60);
    }
  });
});

describe("Retry-After as a REST server may send it", () => {
  // A Registrar problem with the Retry-After that the first path segment picks.
  const retryAfter: Record<string, () => string> = {
    seconds: () => "5",
    date: () => new Date(Date.now() + 30_000).toUTCString(),
  };
  let fake: Server;
  let origin: string;
  beforeAll(async () => {
    fake = createServer((request, response) => {
      const form = request.url?.split("/")[1] ?? "";
      response
        .writeHead(503, {
          "content-type": "application/problem+json",
          "retry-after": retryAfter[form]?.() ?? "",
        })
        .end(
          JSON.stringify({
            type: "about:blank",
            title: "Down",
            status: 503,
            detail: "Down.",
            code: "service_unavailable",
          }),
        );
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  it("reads delay seconds", async () => {
    const { rest } = createRegistrarClient({ baseUrl: `${origin}/seconds` });
    const error = await failure(rest.GET("/students"));
    expect(error).toMatchObject({ code: "service_unavailable", status: 503 });
    expect(error.problem.retryAfter).toBe(5);
  });

  it("reads an HTTP date as the seconds until then", async () => {
    const { rest } = createRegistrarClient({ baseUrl: `${origin}/date` });
    const error = await failure(rest.GET("/students"));
    expect(error.problem.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.problem.retryAfter).toBeLessThanOrEqual(30);
  });
});
