import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";

// The OpenAPI document says what the server enforces: the bounds and patterns of its
// inputs, the bounds of its answers, and the headers and 429s of its rate limit. Each claim
// here is checked against the document and, where the server can show it, against answers.

type Json = { [key: string]: unknown };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; schema: Json }>;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Json }>;
};
type OpenApi = {
  info: { license?: { name: string; identifier?: string } };
  servers?: Array<{ url: string; description?: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; headers?: Record<string, { schema: Json }> };
};

let server: TestServer;
let limited: TestServer;
let document: OpenApi;
beforeAll(async () => {
  server = await startTestServer();
  // one request a minute: the second request of any limited path is a 429
  limited = await startTestServer({ rateLimit: { perMinute: 1 } });
  document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as OpenApi;
});
afterAll(async () => {
  await server?.close();
  await limited?.close();
});

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
const parameter = (path: string, method: string, name: string) => {
  const found = document.paths[path]?.[method]?.parameters?.find((p) => p.name === name);
  if (!found) throw new Error(`${method} ${path} has no parameter ${name}`);
  return found;
};
const patternOf = (schema: Json) => new RegExp(String(schema.pattern));
const accepts = (schema: Json, value: string) =>
  value.length <= Number(schema.maxLength ?? Number.POSITIVE_INFINITY) && patternOf(schema).test(value);

/** Every schema object in `value`, with where it is. */
function* schemasIn(value: unknown, at: string): Generator<[string, Json]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* schemasIn(item, `${at}[${index}]`);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const object = value as Json;
  if (typeof object.type === "string") yield [at, object];
  for (const [key, child] of Object.entries(object)) yield* schemasIn(child, `${at}.${key}`);
}

describe("the OpenAPI document states what the server enforces", () => {
  it("has servers, described tags, an MIT license, and an id, summary and description per operation", () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: "/" })]);
    expect(document.info.license).toEqual({ name: "MIT", identifier: "MIT" });
    const tags = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const { path, method, operation } of operations()) {
      const where = `${method} ${path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.summary, where).toBeTruthy();
      expect(operation.description, where).toBeTruthy();
      expect(operation.tags, where).toHaveLength(1);
      expect(tags.get(operation.tags?.[0] ?? ""), where).toBeTruthy();
    }
    expect(new Set(operations().map(({ operation }) => operation.operationId)).size).toBe(
      operations().length,
    );
  });

  it("publishes the exact id pattern: it accepts just what the server accepts, 1..2147483647", async () => {
    const schema = parameter("/students/{id}", "get", "id").schema;
    expect(schema).toMatchObject({ type: "string", maxLength: 10 });
    expect(parameter("/students/{id}/courses/{course_id}", "delete", "course_id").schema).toEqual(schema);
    // every digit of 2147483647 one up and one down, and the usual suspects
    const max = "2147483647";
    const candidates = new Set(["1", "9", "10", "999999999", "1000000000", max, "2147483648", "4294967295"]);
    for (let i = 0; i < max.length; i += 1) {
      for (const delta of [-1, 1]) {
        const digit = Number(max[i]) + delta;
        if (digit >= 0 && digit <= 9) candidates.add(`${max.slice(0, i)}${digit}${max.slice(i + 1)}`);
      }
    }
    for (const bad of ["0", "01", "-1", "+1", "1.0", "1e3", "abc", "99999999999", "21474836470", " 1"]) {
      candidates.add(bad);
    }
    for (const candidate of candidates) {
      const valid = /^[1-9][0-9]*$/.test(candidate) && Number(candidate) <= 2_147_483_647;
      expect(accepts(schema, candidate), candidate).toBe(valid);
      const answer = await fetch(`${server.baseUrl}/students/${encodeURIComponent(candidate)}`);
      // an id the server accepts is looked up (no such student: 404); any other is a 400
      expect(answer.status, candidate).toBe(valid ? 404 : 400);
    }
  });

  it("publishes the exact limit pattern: 1..200, as the server accepts it", async () => {
    const schema = parameter("/students", "get", "limit").schema;
    expect(schema).toMatchObject({ type: "string", maxLength: 6 });
    const candidates = ["1", "9", "10", "99", "100", "199", "200", "050", "000200", "0", "00", "201", "999"];
    candidates.push("0000200", "1000", "+5", "5.0", "1e2", "-1", "", "abc");
    for (const candidate of candidates) {
      const answer = await fetch(`${server.baseUrl}/students?limit=${encodeURIComponent(candidate)}`);
      expect(accepts(schema, candidate), JSON.stringify(candidate)).toBe(answer.status === 200);
      expect([200, 400], candidate).toContain(answer.status);
    }
    expect(parameter("/terms", "get", "cursor").schema).toMatchObject({ maxLength: 64 });
    // a sorted list's cursor carries the last row's sort value (docs/api.md, Sorting)
    expect(parameter("/students", "get", "cursor").schema).toMatchObject({ maxLength: 1024 });
  });

  it("declares format email and the length limits of names and emails, in and out", () => {
    const { schemas } = document.components;
    for (const id of ["CreateStudentRequest", "UpdateStudentRequest", "Student", "EnrolledStudent"]) {
      const properties = schemas[id]?.properties as Record<string, Json>;
      expect(properties.email, id).toMatchObject({ type: "string", format: "email", maxLength: 254 });
      expect(properties.name, id).toMatchObject({ type: "string", maxLength: 200 });
    }
    const course = schemas.Course?.properties as Record<string, Json>;
    expect(course.capacity).toMatchObject({
      anyOf: [{ type: "integer", format: "int32", minimum: 1, maximum: 100000 }, { type: "null" }],
    });
  });

  it("bounds every integer, string and array it describes", () => {
    const faults: string[] = [];
    const everything = { paths: document.paths, components: document.components };
    for (const [at, schema] of schemasIn(everything, "")) {
      if (schema.type === "integer") {
        if (!["int32", "int64"].includes(String(schema.format))) faults.push(`${at}: integer without format`);
        if (typeof schema.minimum !== "number" || typeof schema.maximum !== "number")
          faults.push(`${at}: integer without minimum and maximum`);
        if (schema.format === "int32" && Number(schema.maximum) > 2_147_483_647)
          faults.push(`${at}: not int32`);
      }
      if (schema.type === "string" && !("maxLength" in schema || "enum" in schema || "const" in schema))
        faults.push(`${at}: string without maxLength`);
      if (schema.type === "array" && !("maxItems" in schema)) faults.push(`${at}: array without maxItems`);
    }
    expect(faults).toEqual([]);
    const problem = document.components.schemas.Problem?.properties as Record<string, Json>;
    expect(problem.errors).toMatchObject({ maxItems: 100 });
    expect(problem.detail).toMatchObject({ maxLength: 1000 });
    const page = document.components.schemas.ListStudentsResponse?.properties as Record<string, Json>;
    expect(page.students).toMatchObject({ maxItems: 200 });
  });

  it("declares 429 with Retry-After and the RateLimit-* headers exactly where the server sends them", async () => {
    const rateLimitHeaders = [
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "RateLimit-Policy",
    ];
    for (const { path, method, operation } of operations()) {
      const where = `${method} ${path}`;
      const isLimited = !path.startsWith("/health/");
      const tooMany = operation.responses["429"];
      if (isLimited) {
        expect(tooMany?.headers, where).toHaveProperty("Retry-After");
        expect(tooMany?.content, where).toHaveProperty(["application/problem+json"]);
      } else {
        expect(tooMany, where).toBeUndefined();
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const header of rateLimitHeaders) {
          expect(Object.keys(response.headers ?? {}).includes(header), `${where} ${status} ${header}`).toBe(
            isLimited,
          );
        }
        expect(response.headers, `${where} ${status}`).toHaveProperty("X-Request-Id");
        expect(response.headers, `${where} ${status}`).toHaveProperty("Access-Control-Allow-Origin");
      }
      const unavailable = operation.responses["503"];
      if (unavailable) expect(unavailable.headers, where).toHaveProperty("Retry-After");
    }

    // and the server: with one request a minute, spent here, every GET of a path without
    // parameters is a 429 exactly where the document declares one, with the headers it declares
    expect((await fetch(`${limited.baseUrl}/openapi.json`)).status).toBe(200);
    for (const { path, method, operation } of operations()) {
      if (method !== "get" || path.includes("{")) continue;
      const answer = await fetch(`${limited.baseUrl}${path}`);
      await answer.arrayBuffer();
      const declared = operation.responses["429"] !== undefined;
      expect(answer.status, path).toBe(declared ? 429 : 200);
      for (const header of rateLimitHeaders)
        expect(answer.headers.has(header), `${path} ${header}`).toBe(declared);
      expect(answer.headers.has("retry-after"), path).toBe(declared);
    }
  });

  it("lets the public operations through without a key and requires one everywhere else", () => {
    const open = ["/health/live", "/health/ready", "/openapi.json", "/docs"];
    // OAuth 2 client credentials: open, its own 401 is RFC 6749's invalid_client (WWW-Authenticate: Basic).
    const oauthToken = "/ims/oneroster/oauth/token";
    for (const { path, method, operation } of operations()) {
      if (path === oauthToken) {
        expect(operation.security, path).toEqual([{}]);
        expect(operation.responses["401"]?.headers, path).toHaveProperty("WWW-Authenticate");
      } else if (open.includes(path)) {
        expect(operation.security, path).toEqual([{}]);
        expect(operation.responses["401"], path).toBeUndefined();
      } else {
        expect(operation.security, `${method} ${path}`).toBeUndefined();
        expect(operation.responses["401"]?.headers, `${method} ${path}`).toHaveProperty("WWW-Authenticate");
      }
    }
  });
});
