import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, makeKey } from "../../test/security/harness.ts";
import { startTestServer, type TestServer } from "../testing.ts";
import { SECURE_HEADERS } from "./answer-headers.ts";

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" }, rateLimit: { perMinute: 1000 } });
  token = (await makeKey(server.database.db, "admin")).token;
});
afterAll(async () => {
  await server?.close();
});

/** What every answer carries whatever it is: its headers without those of its content. */
function commonHeaders(headers: Headers): Record<string, string> {
  const perAnswer = [
    "content-type",
    "content-length",
    "etag",
    "location",
    "date",
    "connection",
    "keep-alive",
  ];
  const kept = [...headers].filter(([name]) => !perAnswer.includes(name));
  return Object.fromEntries(kept.map(([name, value]) => [name, name === "x-request-id" ? "<id>" : value]));
}

describe(`the headers of a route's answer, made with it, on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("are hono's secureHeaders() defaults, as the built-in sets them", async () => {
    const probe = new Hono();
    probe.use(secureHeaders());
    probe.get("/", (c) => c.body(null, 204));
    const answer = await probe.request("/");
    expect(Object.fromEntries(answer.headers)).toEqual(SECURE_HEADERS);
  });

  it("are the headers the layers give every other answer: a 200, a 201, a 204 and a 304 as a 404 problem and a 401", async () => {
    const created = await call(server.baseUrl, "POST", "/students", {
      token,
      body: { name: "Ada Lovelace", email: "ada@example.org" },
    });
    const id = (created.body as { id: number }).id;
    const read = await call(server.baseUrl, "GET", `/students/${id}`, { token });
    const answers = {
      read,
      created,
      notModified: await call(server.baseUrl, "GET", `/students/${id}`, {
        token,
        headers: { "if-none-match": read.headers.get("etag") ?? "" },
      }),
      deleted: await call(server.baseUrl, "DELETE", `/students/${id}`, { token }),
      problem: await call(server.baseUrl, "GET", `/students/${id}`, { token }),
      unauthenticated: await call(server.baseUrl, "GET", "/students"),
    };
    expect(Object.values(answers).map((answer) => answer.status)).toEqual([200, 201, 304, 204, 404, 401]);

    const layered = commonHeaders(answers.problem.headers);
    expect(layered).toMatchObject({
      ...SECURE_HEADERS,
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
      "x-request-id": "<id>",
      "ratelimit-limit": "1000",
      "ratelimit-policy": "1000;w=60",
    });
    const withoutRemaining = ({ "ratelimit-remaining": _, ...rest }: Record<string, string>) => rest;
    for (const answer of [answers.read, answers.created, answers.notModified, answers.deleted]) {
      expect(withoutRemaining(commonHeaders(answer.headers))).toEqual(withoutRemaining(layered));
      expect(answer.headers.get("ratelimit-remaining")).toMatch(/^\d+$/);
    }
    expect(commonHeaders(answers.unauthenticated.headers)).toMatchObject({
      ...SECURE_HEADERS,
      "www-authenticate": 'Bearer realm="registrar"',
    });
  });
});
