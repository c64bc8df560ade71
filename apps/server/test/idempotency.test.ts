import { rm } from "node:fs/promises";
import { createApiKey } from "@registrar/core";
import { createTestDatabase, createTestDataDir } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import {
  type CourseBody,
  expectProblem,
  httpClient,
  makeCourse,
  makeStudent,
  type StudentBody,
  uniqueEmail,
  useTestServer,
} from "./http-client.ts";
import { startServerProcess } from "./reliability/server-process.ts";

const context = useTestServer();
const api = context.api;
const db = () => context.server.database.db;

let keyCounter = 0;
const newKey = () => `test-key-${process.pid}-${++keyCounter}-${Date.now().toString(36)}`;
const keyed = (key: string) => ({ headers: { "idempotency-key": key } });

async function count(table: string): Promise<number> {
  const [row] = await db()(table).count<Array<{ n: number }>>({ n: "*" });
  return Number(row?.n);
}

describe(`Idempotency-Key on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("replays a create with the same status, Location and body, and runs nothing", async () => {
    const key = newKey();
    const body = { name: "Grace Hopper", email: uniqueEmail() };
    const first = await api.send<StudentBody>("POST", "/students", body, keyed(key));
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const students = await count("students");

    const again = await api.send<StudentBody>("POST", "/students", body, keyed(key));
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(again.text).toBe(first.text);
    expect(await count("students")).toBe(students);
  });

  it("keeps a 4xx answer and replays it; a 204 replays as a 204", async () => {
    const student = await makeStudent(api);
    const key = newKey();
    const missing = await api.send(
      "POST",
      `/students/${student.id}/courses`,
      { course_ids: [2147483000] },
      keyed(key),
    );
    expectProblem(missing, 422, "course_not_found");
    const replay = await api.send(
      "POST",
      `/students/${student.id}/courses`,
      { course_ids: [2147483000] },
      keyed(key),
    );
    expect(replay.status).toBe(422);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
    expect(replay.text).toBe(missing.text);

    const course = await makeCourse(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    const dropKey = newKey();
    const path = `/students/${student.id}/courses/${course.id}`;
    const dropped = await api.send("DELETE", path, undefined, keyed(dropKey));
    expect(dropped.status, dropped.text).toBe(204);
    const droppedAgain = await api.send("DELETE", path, undefined, keyed(dropKey));
    expect(droppedAgain.status).toBe(204);
    expect(droppedAgain.headers.get("idempotent-replayed")).toBe("true");
    // Without the key the same DELETE runs again, and finds nothing to drop.
    expectProblem(await api.delete(path), 404, "enrollment_not_found");
  });

  it("refuses the same key with another body, method or path (422), and a malformed key (400)", async () => {
    const key = newKey();
    const created = await api.send("POST", "/courses", { name: "Logic", level: "intro" }, keyed(key));
    expect(created.status).toBe(201);
    expectProblem(
      await api.send("POST", "/courses", { name: "Logic", level: "advanced" }, keyed(key)),
      422,
      "idempotency_key_reused",
    );
    const student = await makeStudent(api);
    expectProblem(
      await api.send("PATCH", `/students/${student.id}`, { name: "Other" }, keyed(key)),
      422,
      "idempotency_key_reused",
    );
    for (const bad of ["has space", "x".repeat(256), "naïve", ""]) {
      const answer = await api.send("POST", "/courses", { name: "Logic", level: "intro" }, keyed(bad));
      const problem = expectProblem(answer, 400, "validation_failed");
      expect(problem.errors).toEqual([{ path: "Idempotency-Key", message: expect.any(String) }]);
    }
    expect(
      (await api.send("POST", "/courses", { name: "Logic", level: "intro" }, keyed("x".repeat(255)))).status,
    ).toBe(201);
  });

  it("scopes keys: anonymous callers share one scope, so their keys are one namespace", async () => {
    const key = newKey();
    const email = uniqueEmail();
    await api.send("POST", "/students", { name: "One", email }, keyed(key));
    const [kept] = await db()("idempotency_keys").where({ key }).select("scope");
    expect(kept).toEqual({ scope: "anonymous" });
  });

  it("runs 50 concurrent requests with one key once: the rest are 409 with Retry-After, or replays (many rounds)", async () => {
    for (let round = 0; round < 5; round++) {
      const course = await makeCourse(api, { name: `Race ${round}`, capacity: 100 });
      const student = await makeStudent(api);
      const key = newKey();
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          api.send("POST", `/students/${student.id}/courses`, { course_ids: [course.id] }, keyed(key)),
        ),
      );
      const ran = answers.filter(
        (answer) => answer.status === 201 && !answer.headers.get("idempotent-replayed"),
      );
      expect(ran).toHaveLength(1);
      for (const answer of answers) {
        if (answer.status === 409) {
          expectProblem(answer, 409, "idempotency_in_progress");
          expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
        } else {
          expect(answer.status, answer.text).toBe(201);
          expect(answer.text).toBe(ran[0]?.text);
        }
      }
      const after = await api.get<CourseBody>(`/courses/${course.id}`);
      expect(after.body.enrolled_count).toBe(1);
    }
  });
});

describe("the TTL sweep", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ idempotency: { ttlHours: 24, sweepEvery: 3, sweepBatch: 2 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("never replays an expired answer, and deletes expired ones every few kept answers", async () => {
    const client = httpClient(server.baseUrl);
    const kdb = server.database.db;
    const body = { name: "Sweep", level: "any" };
    const keys = [newKey(), newKey(), newKey(), newKey(), newKey()];
    for (const key of keys)
      expect((await client.send("POST", "/courses", body, keyed(key))).status).toBe(201);
    await kdb("idempotency_keys").update({ created_at: kdb.raw("now() - interval '25 hours'") });

    // An expired key runs again.
    const rerun = await client.send<CourseBody>("POST", "/courses", body, keyed(keys[0] as string));
    expect(rerun.status).toBe(201);
    expect(rerun.headers.get("idempotent-replayed")).toBeNull();
    // The sixth kept answer sweeps (every 3rd; 5 + 1): batches of 2 until none is expired.
    const left = await kdb("idempotency_keys").select("key").orderBy("key");
    expect(left.map((row: { key: string }) => row.key)).toEqual([keys[0]]);
  });
});

describe("a kept answer after a server restart", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("replays the answer kept before the restart", { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    let location: string;
    if (database.url) location = database.url;
    else {
      await database.drop();
      dir = await createTestDataDir();
      location = dir;
    }
    try {
      const key = newKey();
      const body = { name: "Restart", email: uniqueEmail() };
      let server = await startServerProcess(location);
      const first = await httpClient(server.baseUrl).send("POST", "/students", body, keyed(key));
      expect(first.status, first.text).toBe(201);
      server.child.kill("SIGTERM");
      await server.exited;
      server = await startServerProcess(location);
      try {
        const again = await httpClient(server.baseUrl).send("POST", "/students", body, keyed(key));
        expect(again.status).toBe(201);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect(again.text).toBe(first.text);
      } finally {
        await server.kill();
      }
    } finally {
      if (database.url) await database.drop();
    }
  });
});

describe("idempotency scopes across API keys", () => {
  // One database, two ways in: a server that requires keys, and an app without auth on the
  // same database for the anonymous scope (one server is either, never both).
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: { mode: "required" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps one key string from two API keys and from anonymous callers as three independent requests", async () => {
    const kdb = server.database.db;
    const [first, second] = await Promise.all([
      createApiKey(kdb, { role: "registrar", name: "scope one" }),
      createApiKey(kdb, { role: "registrar", name: "scope two" }),
    ]);
    const api = httpClient(server.baseUrl);
    const anonymousApp = createApp({ db: kdb, auth: { mode: "off" } });
    const anonymous = async (body: unknown, key: string) => {
      const response = await anonymousApp.request("/courses", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    };
    const as = (token: string, key: string) => ({
      headers: { authorization: `Bearer ${token}`, "idempotency-key": key },
    });
    const key = newKey();
    const body = { name: "Scoped", level: "any" };
    const coursesNow = async () =>
      Number((await kdb("courses").count<Array<{ n: number }>>({ n: "*" }))[0]?.n);
    const before = await coursesNow();

    const one = await api.send<CourseBody>("POST", "/courses", body, as(first.token, key));
    const two = await api.send<CourseBody>("POST", "/courses", body, as(second.token, key));
    const nobody = await anonymous(body, key);
    for (const answer of [one, two, nobody]) {
      expect(answer.status, answer.text).toBe(201);
      expect(answer.headers.get("idempotent-replayed")).toBeNull();
    }
    const ids = [one.body.id, two.body.id, (JSON.parse(nobody.text) as CourseBody).id];
    expect(new Set(ids).size).toBe(3);
    expect(await coursesNow()).toBe(before + 3);

    // Each scope replays its own answer, and only its own.
    const oneAgain = await api.send("POST", "/courses", body, as(first.token, key));
    const twoAgain = await api.send("POST", "/courses", body, as(second.token, key));
    const nobodyAgain = await anonymous(body, key);
    expect([oneAgain.text, twoAgain.text, nobodyAgain.text]).toEqual([one.text, two.text, nobody.text]);
    for (const answer of [oneAgain, twoAgain, nobodyAgain]) {
      expect(answer.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(await coursesNow()).toBe(before + 3);

    // Another body under the key is refused in the scope that has it; a fresh scope runs it.
    const reused = await api.send("POST", "/courses", { name: "Other", level: "any" }, as(second.token, key));
    expectProblem(reused, 422, "idempotency_key_reused");
    const third = await createApiKey(kdb, { role: "registrar", name: "scope three" });
    const fresh = await api.send("POST", "/courses", { name: "Other", level: "any" }, as(third.token, key));
    expect(fresh.status, fresh.text).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();

    const scopes = await kdb("idempotency_keys").where({ key }).select("scope").orderBy("scope");
    expect(scopes.map((row: { scope: string }) => row.scope)).toEqual(
      ["anonymous", `k${first.apiKey.id}`, `k${second.apiKey.id}`, `k${third.apiKey.id}`].sort(),
    );
  });
});
