import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrarRestClient, isRegistrarError } from "../src/index.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

let counter = 0;
const uniqueEmail = () => `sdk-retry-${process.pid}-${++counter}@example.org`;
const noWait = async () => undefined;

/** A fetch that lets the server run the first request, then loses its answer (as a dropped connection does). */
function losingFirstAnswer() {
  const sent: Request[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    sent.push(request.clone());
    const response = await fetch(request);
    if (sent.length === 1) {
      await response.body?.cancel();
      throw new TypeError("fetch failed", { cause: new Error("ECONNRESET") });
    }
    return response;
  };
  return { fetcher, sent };
}

describe("the REST client's retries", () => {
  it("retries a write whose answer was lost with one Idempotency-Key: the server replays, nothing runs twice", async () => {
    const { fetcher, sent } = losingFirstAnswer();
    const rest = createRegistrarRestClient({
      baseUrl: server.baseUrl,
      fetch: fetcher,
      retry: { unkeyedWrites: true, sleep: noWait },
    });
    const email = uniqueEmail();
    const { data, response } = await rest.POST("/students", { body: { name: "Retried", email } });
    expect(response.status).toBe(201);
    expect(response.headers.get("idempotent-replayed")).toBe("true");
    expect(data?.email).toBe(email);
    expect(sent).toHaveLength(2);
    const keys = sent.map((request) => request.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(keys[1]).toBe(keys[0]);
    const [row] = await server.database
      .db("students")
      .where({ email })
      .count<Array<{ n: number }>>({ n: "*" });
    expect(Number(row?.n)).toBe(1);
  });

  it("does not retry a POST without a key unless told to, and sends no key then", async () => {
    const { fetcher, sent } = losingFirstAnswer();
    const rest = createRegistrarRestClient({
      baseUrl: server.baseUrl,
      fetch: fetcher,
      retry: { sleep: noWait },
    });
    const failure = await rest
      .POST("/students", { body: { name: "Once", email: uniqueEmail() } })
      .catch((reason: unknown) => reason);
    expect(isRegistrarError(failure) && failure.problem.code).toBe("network_error");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.get("idempotency-key")).toBeNull();
  });

  it("retries a POST with a key of its own, with that key", async () => {
    const { fetcher, sent } = losingFirstAnswer();
    const rest = createRegistrarRestClient({
      baseUrl: server.baseUrl,
      fetch: fetcher,
      retry: { sleep: noWait },
    });
    const { response } = await rest.POST("/courses", {
      params: { header: { "Idempotency-Key": "my-own-key-1" } },
      body: { name: "Keyed", level: "any" },
    });
    expect(response.status).toBe(201);
    expect(sent.map((request) => request.headers.get("idempotency-key"))).toEqual([
      "my-own-key-1",
      "my-own-key-1",
    ]);
  });

  it("retries 503s with jittered exponential backoff, never waiting less than Retry-After", async () => {
    const waits: number[] = [];
    let calls = 0;
    const rest = createRegistrarRestClient({
      baseUrl: server.baseUrl,
      fetch: async (input, init) => {
        calls += 1;
        if (calls < 3) {
          return new Response(JSON.stringify({ code: "service_unavailable" }), {
            status: 503,
            headers: {
              "content-type": "application/problem+json",
              ...(calls === 2 ? { "retry-after": "1" } : {}),
            },
          });
        }
        return fetch(new Request(input, init));
      },
      retry: {
        attempts: 4,
        baseDelayMs: 100,
        sleep: async (ms) => {
          waits.push(ms);
        },
        random: () => 0.5,
      },
    });
    const { response } = await rest.GET("/students");
    expect(response.status).toBe(200);
    expect(waits).toEqual([50, 1000]);
  });

  it("sends If-Match from the call's parameters: a stale ETag is a 412 precondition_failed", async () => {
    const rest = createRegistrarRestClient({ baseUrl: server.baseUrl });
    const { data: student } = await rest.POST("/students", {
      body: { name: "Tagged", email: uniqueEmail() },
    });
    const id = String(student?.id);
    const read = await rest.GET("/students/{id}", { params: { path: { id } } });
    const tag = read.response.headers.get("etag") ?? "";
    const changed = await rest.PATCH("/students/{id}", {
      params: { path: { id }, header: { "If-Match": tag } },
      body: { name: "Changed" },
    });
    expect(changed.response.status).toBe(200);
    const stale = await rest
      .PATCH("/students/{id}", {
        params: { path: { id }, header: { "If-Match": tag } },
        body: { name: "Lost" },
      })
      .catch((reason: unknown) => reason);
    expect(isRegistrarError(stale) && stale.problem.code).toBe("precondition_failed");
  });
});
