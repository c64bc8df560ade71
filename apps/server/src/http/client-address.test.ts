import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ rateLimit: { perMinute: 1 } });
});
afterAll(async () => {
  await server?.close();
});

/** GET /students from a given local address (any of 127.0.0.0/8 reaches the server). */
function getFrom(localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: hostname, port, path: "/students", localAddress, headers, agent: false },
      (answer) => {
        answer.resume();
        answer.on("end", () => resolve(answer.statusCode ?? 0));
      },
    );
    sent.on("error", reject);
    sent.end();
  });
}

describe(`client address on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("gives each socket address its own budget, and no budget for a forwarded-for header", async () => {
    expect(await getFrom("127.0.0.1")).toBe(200);
    expect(await getFrom("127.0.0.1")).toBe(429);
    // X-Forwarded-For is anyone's to send: trusting it would hand out fresh budgets.
    expect(await getFrom("127.0.0.1", { "x-forwarded-for": "203.0.113.7" })).toBe(429);
    expect(await getFrom("127.0.0.2")).toBe(200);
    expect(await getFrom("127.0.0.2")).toBe(429);
  });
});
