import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

/**
 * Slow, stalled, oversized and vanishing clients against the real server process (its JSON
 * log captured): each is bounded and answered as the client's doing, never as an outage,
 * while normal requests keep flowing. Node's defaults held a stalled body for 300 s, answered
 * an oversized URL with a bodyless 431, and a client hanging up mid-body was logged as a
 * database outage (an error line and a 503 in the access log).
 */

const REQUEST_TIMEOUT_MS = 1_500;
const HEADERS_TIMEOUT_MS = 1_000;
/** The bound the tests hold the server to: the timeout, Node's check interval, and slack. */
const BOUND_MS = 5_000;

let database: TestDatabase;
let server: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServerProcess(database.url ?? "memory://", {
    LOG_LEVEL: "info",
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  });
}, 120_000);

afterAll(async () => {
  await server?.kill();
  await database?.drop();
});

type LogLine = { level: number; msg: string; requestId?: string; status?: number; [field: string]: unknown };

function logLines(): LogLine[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The access-log line of a request, once the server has written it. */
async function accessLine(requestId: string): Promise<LogLine> {
  const deadline = Date.now() + BOUND_MS;
  while (Date.now() < deadline) {
    const line = logLines().find((entry) => entry.msg === "request" && entry.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no access-log line for ${requestId}:\n${server.output().slice(-3_000)}`);
}

/** A raw connection: what it received, and when the server closed it. */
function rawConnection(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      data += chunk;
    });
    socket.on("error", () => {});
    const closed = new Promise<number>((done) => socket.once("close", () => done(performance.now())));
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
    socket.once("error", reject);
  });
}

/** Normal requests, one after another, until `until` settles: every one must succeed. */
async function trafficUntil(until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const statuses: number[] = [];
  while (!done) {
    for (const path of ["/health/live", "/students?limit=5"]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  }
  return statuses;
}

/** Status line, headers and parsed body of a raw answer. */
function parseAnswer(raw: string): { status: number; headers: string; body: Record<string, unknown> } {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

function expectTimeoutProblem(raw: string): void {
  const answer = parseAnswer(raw);
  expect(answer.status, raw).toBe(408);
  expect(answer.headers).toContain("content-type: application/problem+json");
  expect(answer.headers).toContain("connection: close");
  expect(answer.body).toMatchObject({ status: 408, code: "validation_failed" });
}

describe(`bounded requests on the real server process (${process.env.REGISTRAR_TEST_DB ?? "pglite"})`, () => {
  it("answers a stalled body 408 and closes it within the request timeout, while other requests flow", async () => {
    const requestId = randomUUID();
    const stalled = await rawConnection();
    const startedAt = performance.now();
    stalled.socket.write(
      `POST /students HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nX-Request-Id: ${requestId}\r\n\r\n`,
    );
    const statuses = await trafficUntil(stalled.closed);
    const closedAfter = (await stalled.closed) - startedAt;
    expect(closedAfter, stalled.received()).toBeLessThan(BOUND_MS);
    expectTimeoutProblem(stalled.received());
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // the request that did not arrive is logged as such, not as a failure of ours
    expect(await accessLine(requestId)).toMatchObject({ level: 30, status: 408, timedOut: true });
  });

  it("answers a slow header drip (slowloris) 408 and closes it within the headers timeout", async () => {
    const drip = await rawConnection();
    const startedAt = performance.now();
    drip.socket.write("GET /students HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    const timer = setInterval(() => drip.socket.write("a"), 100);
    try {
      const statuses = await trafficUntil(drip.closed);
      const closedAfter = (await drip.closed) - startedAt;
      expect(closedAfter, drip.received()).toBeLessThan(BOUND_MS);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    } finally {
      clearInterval(timer);
    }
    expectTimeoutProblem(drip.received());
  });

  it("answers a request line over Node's header limit with a 431 problem, not a bare 431", async () => {
    const calls = Array.from({ length: 1_500 }, () => "students.list").join(",");
    const response = await fetch(`${server.baseUrl}/trpc/${calls}?batch=1`);
    expect(response.status).toBe(431);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      status: 431,
      code: "validation_failed",
      errors: [{ path: "headers" }],
    });
    // the server is fine
    expect((await fetch(`${server.baseUrl}/health/live`)).status).toBe(200);
  });

  it("logs a client that hangs up mid-body as an abort: 499 at info level, never an error or a 503", async () => {
    const aborted: string[] = [];
    for (const path of ["/students", "/trpc/students.create"]) {
      for (let round = 0; round < 5; round++) {
        const requestId = randomUUID();
        aborted.push(requestId);
        const client = await rawConnection();
        client.socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: ${requestId}\r\n\r\n{"name":`,
        );
        // the server is reading the body by now
        await new Promise((resolve) => setTimeout(resolve, 100));
        client.socket.destroy();
      }
    }
    for (const requestId of aborted) {
      const line = await accessLine(requestId);
      expect(line, JSON.stringify(line)).toMatchObject({ level: 30, status: 499, clientAborted: true });
    }
    const lines = logLines();
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.filter((line) => line.status === 503 || line.appStatus === 503)).toEqual([]);
    expect(server.output()).not.toContain("service_unavailable");
  });
});
