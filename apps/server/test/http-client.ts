import { afterAll, beforeAll, expect } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";

export type Answer<T = unknown> = { status: number; headers: Headers; body: T; text: string };

/** A tiny JSON client for contract tests: raw status, headers and parsed body. */
export function httpClient(baseUrl: string | (() => string)) {
  const base = typeof baseUrl === "string" ? () => baseUrl : baseUrl;
  async function send<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; raw?: string | Uint8Array } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    let payload: string | Uint8Array | undefined = init.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${base()}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
  return {
    send,
    get: <T = Record<string, unknown>>(path: string) => send<T>("GET", path),
    post: <T = Record<string, unknown>>(path: string, body?: unknown) => send<T>("POST", path, body),
    put: <T = Record<string, unknown>>(path: string, body?: unknown) => send<T>("PUT", path, body),
    patch: <T = Record<string, unknown>>(path: string, body?: unknown) => send<T>("PATCH", path, body),
    delete: <T = Record<string, unknown>>(path: string) => send<T>("DELETE", path),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/** Asserts the contract's problem shape and returns the body. */
export function expectProblem(answer: Answer, status: number, code: string): Record<string, unknown> {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  const body = answer.body as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe("string");
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|select |insert into|violates|stack/i);
  return body;
}

let counter = 0;
/** A unique email per call, so tests never collide on the unique index. */
export function uniqueEmail(prefix = "student"): string {
  counter += 1;
  return `${prefix}.${process.pid}.${counter}.${Date.now().toString(36)}@example.org`;
}

export type StudentBody = { id: number; name: string; email: string; created_at: string; updated_at: string };
export type CourseBody = {
  id: number;
  name: string;
  level: string;
  capacity: number | null;
  enrolled_count: number;
  created_at: string;
  updated_at: string;
};

export async function makeStudent(api: HttpClient, name = "Ada Lovelace"): Promise<StudentBody> {
  const answer = await api.post<StudentBody>("/students", { name, email: uniqueEmail() });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

export async function makeCourse(
  api: HttpClient,
  fields: { name?: string; level?: string; capacity?: number | null } = {},
): Promise<CourseBody> {
  const answer = await api.post<CourseBody>("/courses", { name: "Algebra", level: "beginner", ...fields });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

/**
 * Starts the real server on a database of its own for the current test file and closes it
 * afterwards; read `.server` and `.api` inside tests.
 */
export function useTestServer(): { readonly server: TestServer; readonly api: HttpClient } {
  let server: TestServer | undefined;
  const started = (): TestServer => {
    if (!server) throw new Error("the test server starts in beforeAll");
    return server;
  };
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      return started();
    },
    api: httpClient(() => started().baseUrl),
  };
}
