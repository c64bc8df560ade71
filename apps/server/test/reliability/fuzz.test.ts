import { problemCodes } from "@registrar/core";
import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";

/**
 * Property-based fuzzing of every REST route and tRPC procedure, in-process through
 * `app.request()` (no sockets: thousands of requests in seconds). Invariants, for every
 * request whatever its path, query, headers and body:
 * - never a 5xx;
 * - every REST 4xx is application/problem+json whose `code` is a contract code and whose
 *   `status` is the response's; every tRPC error carries `data.problem.code`, a contract code;
 * - a rejected request (4xx) changes nothing: a checksum of every table is the same after.
 *
 * FUZZ_RUNS sets the total number of runs across the properties (default 2000, what CI
 * runs); FUZZ_SEED replays a failure that fast-check reported.
 */

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Share of the runs per property; they add up to 1. */
const share = { rest: 0.38, trpc: 0.32, hostileBodies: 0.1, rawRequests: 0.12, auth: 0.08 } as const;
const runsOf = (name: keyof typeof share) => Math.max(1, Math.round(TOTAL_RUNS * share[name]));

const contractCodes = new Set(Object.keys(problemCodes));

/** encodeURIComponent throws on lone surrogates; a client would send U+FFFD for them. */
const encodePart = (text: string) => encodeURIComponent(text.replace(/\p{Surrogate}/gu, "\ufffd"));

let database: TestDatabase;
let app: ReturnType<typeof createApp>;
/** The same app with API keys required, for the Authorization header property. */
let guardedApp: ReturnType<typeof createApp>;
let tables: string[] = [];
const serverErrors: string[] = [];
const statusCounts = new Map<string, number>();

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = pino({ level: "error" }, { write: (line: string) => void serverErrors.push(line) });
  app = createApp({ db: database.db, logger });
  guardedApp = createApp({ db: database.db, logger, auth: { mode: "required" } });
  const found = await database.db.raw<{ rows: Array<{ name: string }> }>(
    `select table_name as name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  tables = found.rows.map((row) => row.name);
  // Something for valid ids to find: students 1..6, courses 1..6 (one full), enrollments.
  await database.db.raw(
    "insert into students (name, email) select 'Student ' || n, 'student' || n || '@fuzz.test' from generate_series(1, 6) n",
  );
  await database.db.raw(
    "insert into courses (name, level, capacity) select 'Course ' || n, 'level ' || n, case when n = 1 then 1 when n = 2 then null else 50 end from generate_series(1, 6) n",
  );
  await database.db.raw(
    "insert into student_courses (student_id, course_id) select s, c from generate_series(1, 3) s, generate_series(1, 3) c where not (c = 1 and s > 1)",
  );
}, 60_000);

afterAll(async () => {
  const counts = [...statusCounts.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(
    `[fuzz] ${TOTAL_RUNS} runs; answers by kind and status: ${counts.map(([k, n]) => `${k}=${n}`).join(" ")}`,
  );
  await database?.drop();
});

/** One md5 over every row of every table: equal before and after means nothing changed. */
async function checksum(): Promise<string> {
  const parts = tables.map(
    (table) => `(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from "${table}" t)`,
  );
  const result = await database.db.raw<{ rows: Array<{ sum: string }> }>(
    `select md5(${parts.join(" || ")}) as sum`,
  );
  return result.rows[0]?.sum ?? "";
}

// ---- arbitraries --------------------------------------------------------------------------

const sqlish = fc.constantFrom(
  "1; drop table students; --",
  "' or '1'='1",
  "1' union select * from api_keys --",
  "'); delete from courses; --",
  "1 or 1=1",
  "$1",
  "%' --",
  "\\x00",
  "NULL",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "__proto__",
  "constructor",
  "toString",
);

const unicodeText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "\ud800",
    "\udfff",
    "😀".repeat(50),
    "\u202e\u0041",
    "ä".repeat(201),
    "  ",
    "\n\t",
  ),
);

const anyText = fc.oneof(fc.string({ maxLength: 60 }), unicodeText, sqlish);

/** What an id in a path might look like. */
const pathId = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }).map(String) },
  fc.constantFrom(
    "0",
    "-1",
    "1.5",
    "1e3",
    "99999999999",
    "2147483647",
    "2147483648",
    "0x10",
    "+1",
    "01",
    " 1",
    "1 ",
  ),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  anyText,
);

/** A value a JSON field might hold: right type or wrong, in range or not. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 1, max: 8 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2147483647, 2147483648, 1e21, Number.MAX_SAFE_INTEGER + 2, 1.5, 100_000, 100_001),
  anyText,
  fc.emailAddress(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: -2, max: 10 }), { maxLength: 8 }),
  fc.array(anyText, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

const fieldNames = [
  "name",
  "email",
  "level",
  "capacity",
  "course_ids",
  "courseIds",
  "courseId",
  "studentId",
  "id",
  "limit",
  "cursor",
  "__proto__",
  "constructor",
  "unknown_field",
];

/** An object body with some of the known fields (snake or camel), each with any value. */
const objectBody = fc.dictionary(fc.constantFrom(...fieldNames), fieldValue, { maxKeys: 4 });

/** A mostly valid body: what a confused but well-meaning client would send. */
const plausibleBody = fc.oneof(
  fc.record({
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyText),
    email: fc.emailAddress(),
  }),
  fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 30 }),
      level: fc.string({ minLength: 1, maxLength: 10 }),
      capacity: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 100_005 })),
    },
    { requiredKeys: [] },
  ),
  fc.record({ course_ids: fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 12 }) }),
);

/** Any JSON text: wrong shapes, scalars, arrays, nested. */
const jsonText = fc.oneof(
  { weight: 3, arbitrary: objectBody.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: plausibleBody.map((value) => JSON.stringify(value)) },
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
);

/** Text that is not JSON, or barely. */
const notJson = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    "{",
    "}",
    "{'name': 'x'}",
    '{"name": "x",}',
    "NaN",
    "undefined",
    '{"a":1}{',
    "\u0000",
    "[1,2",
    '"unterminated',
  ),
  jsonText.map((text) => text.slice(0, Math.max(0, text.length - 1))),
);

const MiB = 1024 * 1024;
/** Big, deep and odd bodies: each is built when drawn, sizes are few and fixed. */
const hostileBody = fc.oneof(
  fc
    .constantFrom(MiB - 200, MiB + 1, 3 * MiB)
    .map((size) => `{"name":"${"x".repeat(size)}","email":"a@b.co"}`),
  fc.constantFrom(MiB + 10).map((size) => " ".repeat(size)),
  fc.constantFrom(1_000, 50_000, 200_000).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.constantFrom(1_000, 30_000).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc
    .constantFrom(1_001, 5_000, 100_000)
    .map((count) =>
      JSON.stringify({ course_ids: Array.from({ length: count }, (_, index) => (index % 9) + 1) }),
    ),
  fc
    .constantFrom(10_000)
    .map((count) => JSON.stringify({ course_ids: Array.from({ length: count }, () => "1") })),
  fc.constantFrom('{"name":"\\ud800","email":"a@b.co"}', '{"name":"\\u0000","level":"\\u0000"}', "\ufeff{}"),
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  fc.constantFrom(
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/merge-patch+json",
    "application/problem+json",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "",
    "*/*",
  ),
  fc.constant(undefined),
);

const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    "accept",
    "x-request-id",
    "authorization",
    "origin",
    "x-forwarded-for",
    "accept-encoding",
    "if-none-match",
    "range",
    "cookie",
    "x-http-method-override",
  ),
  headerValue,
  { maxKeys: 3 },
);

const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom("limit", "cursor", "input", "batch", "unknown", "limit[]", "__proto__"),
      fc.oneof(
        fc.integer({ min: -5, max: 300 }).map(String),
        fc.constantFrom("", "1e2", "50.0", "999999999999", "aWQ6MQ", "aWQ6MA", "id:1", "%ZZ", "null"),
        anyText,
      ),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => pairs.map(([key, value]) => `${encodePart(key)}=${encodePart(value)}`).join("&"));

/** Per route or procedure, inputs of the right shape with values near the edges. */
const smallId = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 9 }) },
  fc.constantFrom(0, -1, 2147483647),
);
const someName = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyText, fc.constant("x".repeat(201)));
const someEmail = fc.oneof(
  { weight: 3, arbitrary: fc.emailAddress() },
  fc.constantFrom("student1@fuzz.test", "STUDENT2@FUZZ.TEST", "not-an-email", `${"a".repeat(250)}@x.org`),
);
const someCapacity = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1, max: 5 }),
  fc.constantFrom(100_000, 100_001),
);
const someIds = fc.array(smallId, { maxLength: 6 });
const page = { limit: fc.integer({ min: -1, max: 201 }), cursor: fc.constantFrom("aWQ6Mg", "aWQ6MA", "x") };

const shapedInput: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  list: fc.record(page, { requiredKeys: [] }),
  byId: fc.record({ id: smallId }),
  createStudent: fc.record({ name: someName, email: someEmail }),
  updateStudent: fc.record({ id: smallId, name: someName, email: someEmail }, { requiredKeys: ["id"] }),
  createCourse: fc.record(
    { name: someName, level: someName, capacity: someCapacity },
    { requiredKeys: ["name", "level"] },
  ),
  updateCourse: fc.record(
    { id: smallId, name: someName, level: someName, capacity: someCapacity },
    { requiredKeys: ["id"] },
  ),
  courseStudents: fc.record({ courseId: smallId, ...page }, { requiredKeys: ["courseId"] }),
  assign: fc.record({ studentId: smallId, courseIds: someIds }),
  listEnrollments: fc.record({ studentId: smallId, ...page }, { requiredKeys: ["studentId"] }),
  remove: fc.record({ studentId: smallId, courseId: smallId }),
};

/** The REST body of the same shape: snake_case, without the path's id. */
function restBodyFor(shape: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return shape.map((input) => {
    const { id: _id, studentId: _studentId, courseIds, ...rest } = input;
    return JSON.stringify(courseIds === undefined ? rest : { ...rest, course_ids: courseIds });
  });
}

// ---- the requests --------------------------------------------------------------------------

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

const noBody = fc.constant(undefined);
const restRoutes: Array<[Method, string, fc.Arbitrary<string | undefined>]> = [
  ["POST", "/students", restBodyFor(shapedInput.createStudent ?? fc.record({}))],
  ["GET", "/students", noBody],
  ["GET", "/students/{id}", noBody],
  ["PATCH", "/students/{id}", restBodyFor(shapedInput.updateStudent ?? fc.record({}))],
  ["DELETE", "/students/{id}", noBody],
  ["POST", "/courses", restBodyFor(shapedInput.createCourse ?? fc.record({}))],
  ["GET", "/courses", noBody],
  ["GET", "/courses/{id}", noBody],
  ["PATCH", "/courses/{id}", restBodyFor(shapedInput.updateCourse ?? fc.record({}))],
  ["DELETE", "/courses/{id}", noBody],
  ["POST", "/students/{id}/courses", restBodyFor(shapedInput.assign ?? fc.record({}))],
  ["PUT", "/students/{id}/courses", restBodyFor(shapedInput.assign ?? fc.record({}))],
  ["GET", "/students/{id}/courses", noBody],
  ["DELETE", "/students/{id}/courses/{course_id}", noBody],
  ["GET", "/courses/{id}/students", noBody],
  ["GET", "/health/live", noBody],
  ["GET", "/health/ready", noBody],
];

const procedures: Array<[string, "query" | "mutation", keyof typeof shapedInput]> = [
  ["students.list", "query", "list"],
  ["students.byId", "query", "byId"],
  ["students.create", "mutation", "createStudent"],
  ["students.update", "mutation", "updateStudent"],
  ["students.delete", "mutation", "byId"],
  ["courses.list", "query", "list"],
  ["courses.byId", "query", "byId"],
  ["courses.create", "mutation", "createCourse"],
  ["courses.update", "mutation", "updateCourse"],
  ["courses.delete", "mutation", "byId"],
  ["courses.students", "query", "courseStudents"],
  ["enrollments.assign", "mutation", "assign"],
  ["enrollments.replace", "mutation", "assign"],
  ["enrollments.list", "query", "listEnrollments"],
  ["enrollments.remove", "mutation", "remove"],
];

const methods: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

type FuzzRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
};

function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined ? "" : ` body(${request.body.length})=${request.body.slice(0, 300)}`;
  return `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers)}${body}`;
}

function buildHeaders(type: string | undefined, extra: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  if (type !== undefined) headers["content-type"] = type;
  return headers;
}

/** Sends one request and checks every invariant; `kind` picks the error shape to expect. */
async function check(kind: "rest" | "trpc", request: FuzzRequest, target = app): Promise<void> {
  const canHaveBody = request.method !== "GET" && request.method !== "HEAD";
  const before = request.method === "GET" || request.method === "HEAD" ? undefined : await checksum();
  const response = await target.request(request.path, {
    method: request.method,
    headers: request.headers,
    ...(canHaveBody && request.body !== undefined ? { body: request.body } : {}),
  });
  const text = await response.text();
  // The URL is normalised on the way in (`/../trpc/x` is `/trpc/x`): judge by where it landed.
  const landedOnTrpc = /^\/trpc(\/|$)/.test(new URL(`http://fuzz.invalid${request.path}`).pathname);
  const label = `${landedOnTrpc ? "trpc" : kind} ${response.status}`;
  statusCounts.set(label, (statusCounts.get(label) ?? 0) + 1);
  const where = describeRequest(request);

  if (response.status >= 500) {
    throw new Error(
      `${response.status} for ${where}\nanswer: ${text.slice(0, 500)}\nserver log: ${serverErrors.at(-1)?.slice(0, 1500)}`,
    );
  }
  const isProblem = response.headers.get("content-type") === "application/problem+json";
  if (landedOnTrpc && !isProblem && request.method !== "HEAD" && response.status !== 204) {
    // tRPC: a batch answers 207 when some calls failed; every failed call carries a problem.
    const parsed = JSON.parse(text) as unknown;
    const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
      error?: { data?: { problem?: { code?: unknown } } };
    }>;
    const failed = items.filter((item) => item.error !== undefined);
    if (response.status >= 400) expect(failed.length, where).toBeGreaterThan(0);
    for (const item of failed) {
      const code = item.error?.data?.problem?.code;
      expect(contractCodes.has(String(code)), `tRPC data.problem.code ${String(code)} for ${where}`).toBe(
        true,
      );
    }
  } else if (response.status >= 400) {
    expect(response.headers.get("content-type"), where).toBe("application/problem+json");
    if (request.method !== "HEAD") {
      const problem = JSON.parse(text) as { code?: unknown; status?: unknown };
      expect(contractCodes.has(String(problem.code)), `code ${String(problem.code)} for ${where}`).toBe(true);
      expect(problem.status, where).toBe(response.status);
    }
  }
  if (response.status >= 400 && before !== undefined) {
    expect(await checksum(), `a rejected request changed the database: ${where}`).toBe(before);
  }
}

const fuzzOptions = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(SEED === undefined ? {} : { seed: SEED }),
});

describe(`fuzzing every route and procedure (${TOTAL_RUNS} runs in total)`, () => {
  it(`REST routes: arbitrary ids, queries, headers and bodies (${runsOf("rest")} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...restRoutes)
          .chain(([method, template, shaped]) =>
            fc.tuple(
              fc.constant([method, template] as const),
              fc.oneof({ weight: 4, arbitrary: shaped }, jsonText, notJson, noBody),
            ),
          ),
        fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, fc.constantFrom(...methods)),
        pathId,
        pathId,
        fc.oneof({ weight: 2, arbitrary: fc.constant("") }, queryString),
        contentType,
        extraHeaders,
        async ([[routeMethod, template], body], otherMethod, id, courseId, query, type, extra) => {
          const path = template.replace("{id}", encodePart(id)).replace("{course_id}", encodePart(courseId));
          await check("rest", {
            method: otherMethod ?? routeMethod,
            path: query ? `${path}?${query}` : path,
            headers: buildHeaders(type, extra),
            body,
          });
        },
      ),
      fuzzOptions(runsOf("rest")),
    );
  }, 300_000);

  it(`tRPC procedures: arbitrary inputs over GET, POST and batches (${runsOf("trpc")} runs)`, async () => {
    const wildInput = fc.oneof(
      { weight: 3, arbitrary: objectBody },
      plausibleBody,
      fc.record({ id: fieldValue }),
      fc.record({ studentId: fieldValue, courseIds: fieldValue }, { requiredKeys: [] }),
      fc.record({ courseId: fieldValue, limit: fieldValue, cursor: fieldValue }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    /** A call: the procedure and an input, of its own shape more often than not. */
    const call = fc
      .constantFrom(...procedures)
      .chain(([name, kind, shape]) =>
        fc.tuple(
          fc.constant([name, kind] as const),
          fc.oneof({ weight: 3, arbitrary: shapedInput[shape] ?? wildInput }, wildInput),
        ),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 3 }),
        fc.constantFrom("natural", "get", "post", "batch", "raw-input", "unknown-procedure"),
        fc.oneof({ weight: 4, arbitrary: fc.constant("application/json") }, contentType),
        fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, notJson),
        extraHeaders,
        async (calls, style, type, rawInput, extra) => {
          const [first] = calls;
          if (!first) return;
          const [[procedure, kind], firstInput] = first;
          const json = JSON.stringify(firstInput);
          let request: FuzzRequest;
          if (style === "batch") {
            const names = calls.map(([[name]]) => name).join(",");
            const batchInput = JSON.stringify(
              Object.fromEntries(calls.map(([, input], index) => [index, input])),
            );
            request =
              kind === "query"
                ? {
                    method: "GET",
                    path: `/trpc/${names}?batch=1&input=${encodePart(batchInput)}`,
                    headers: buildHeaders(undefined, extra),
                    body: undefined,
                  }
                : {
                    method: "POST",
                    path: `/trpc/${names}?batch=1`,
                    headers: buildHeaders(type, extra),
                    body: batchInput,
                  };
          } else if (style === "raw-input") {
            const text = rawInput ?? json;
            request =
              kind === "query"
                ? {
                    method: "GET",
                    path: `/trpc/${procedure}?input=${encodePart(text)}`,
                    headers: extra,
                    body: undefined,
                  }
                : {
                    method: "POST",
                    path: `/trpc/${procedure}`,
                    headers: buildHeaders(type, extra),
                    body: text,
                  };
          } else if (style === "unknown-procedure") {
            request = {
              method: "POST",
              path: `/trpc/${procedure}.nope`,
              headers: buildHeaders(type, extra),
              body: json,
            };
          } else {
            const method =
              style === "natural" ? (kind === "query" ? "GET" : "POST") : style === "get" ? "GET" : "POST";
            request =
              method === "GET"
                ? {
                    method,
                    path: `/trpc/${procedure}?input=${encodePart(json)}`,
                    headers: extra,
                    body: undefined,
                  }
                : { method, path: `/trpc/${procedure}`, headers: buildHeaders(type, extra), body: json };
          }
          await check("trpc", request);
        },
      ),
      fuzzOptions(runsOf("trpc")),
    );
  }, 300_000);

  it(`huge, deeply nested, non-JSON and odd bodies on every route that takes one (${runsOf("hostileBodies")} runs)`, async () => {
    const targets: Array<[Method, string, "rest" | "trpc"]> = [
      ...restRoutes
        .filter(([method]) => method !== "GET" && method !== "DELETE")
        .map(([method, path]): [Method, string, "rest"] => [method, path.replace("{id}", "1"), "rest"]),
      ...procedures
        .filter(([, kind]) => kind === "mutation")
        .map(([name]): [Method, string, "trpc"] => ["POST", `/trpc/${name}`, "trpc"]),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.oneof({ weight: 2, arbitrary: hostileBody }, notJson),
        contentType,
        async ([method, path, kind], body, type) => {
          await check(kind, { method, path, headers: buildHeaders(type, {}), body });
        },
      ),
      fuzzOptions(runsOf("hostileBodies")),
    );
  }, 300_000);

  it(`arbitrary paths, methods and headers, known routes or not (${runsOf("rawRequests")} runs)`, async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        "students",
        "courses",
        "health",
        "ready",
        "live",
        "trpc",
        "app",
        "docs",
        "openapi.json",
        "..",
        ".",
        "",
        "%2F",
        "%00",
        "%ZZ",
      ),
      pathId.map((id) => encodePart(id)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...methods),
        fc.boolean(),
        queryString,
        extraHeaders,
        fc.oneof(fc.constant(undefined), jsonText),
        async (segments, method, trailingSlash, query, extra, body) => {
          const path = `/${segments.join("/")}${trailingSlash ? "/" : ""}${query ? `?${query}` : ""}`;
          // tRPC paths answer tRPC's error shape; everything else the REST problem.
          await check(segments[0] === "trpc" ? "trpc" : "rest", {
            method,
            path,
            headers: buildHeaders(body === undefined ? undefined : "application/json", extra),
            body,
          });
        },
      ),
      fuzzOptions(runsOf("rawRequests")),
    );
  }, 300_000);
  it(`API keys required: arbitrary Authorization headers on every route and procedure (${runsOf("auth")} runs)`, async () => {
    const token = fc.oneof(
      fc
        .tuple(fc.oneof(fc.integer({ min: -1, max: 9 }).map(String), headerValue), headerValue)
        .map(([id, secret]) => `rk_${id}_${secret}`),
      fc.constantFrom(`rk_1_${"A".repeat(43)}`, `rk_99999999999_${"A".repeat(43)}`, "rk_", "rk_1_", "null"),
      headerValue,
    );
    const authorization = fc.oneof(
      token.map((value) => `Bearer ${value}`),
      token.map((value) => `bearer  ${value}`),
      token.map((value) => `Basic ${value}`),
      headerValue,
    );
    const targets: Array<[string, string, "rest" | "trpc"]> = [
      ...restRoutes.map(([method, path]): [string, string, "rest"] => [
        method,
        path.replace("{id}", "1").replace("{course_id}", "1"),
        "rest",
      ]),
      ...procedures.map(([name, kind]): [string, string, "trpc"] =>
        kind === "query"
          ? ["GET", `/trpc/${name}?input=${encodePart(JSON.stringify({ id: 1 }))}`, "trpc"]
          : ["POST", `/trpc/${name}`, "trpc"],
      ),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.oneof({ weight: 4, arbitrary: authorization }, fc.constant(undefined)),
        jsonText,
        async ([method, path, kind], header, body) => {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (header !== undefined) headers.authorization = header;
          const hasBody = method !== "GET" && method !== "HEAD";
          await check(kind, { method, path, headers, body: hasBody ? body : undefined }, guardedApp);
        },
      ),
      fuzzOptions(runsOf("auth")),
    );
  }, 300_000);
});
