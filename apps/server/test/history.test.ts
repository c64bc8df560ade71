import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "./security/harness.ts";

/**
 * Under AUTH=required every history entry names the key that made the change and its role,
 * and the transport it came by; promotions are the system's. Who may read which history
 * follows the student's course list: its own student's key, readers, writers.
 */
let server: TestServer;
const keys = {} as Record<"admin" | "registrar" | "reader" | "student", { id: number; token: string }>;
const ids = { own: 0, other: 0, course: 0 };

type Entry = {
  student_id: number;
  action: string;
  actor: { key_id: number | null; role: string | null };
  source: string;
};

beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  const db = server.database.db;
  keys.admin = await makeKey(db, "admin");
  keys.registrar = await makeKey(db, "registrar");
  keys.reader = await makeKey(db, "reader");
  for (const name of ["own", "other"] as const) {
    const created = await call(server.baseUrl, "POST", "/students", {
      token: keys.registrar.token,
      body: { name, email: `${name}.history@example.org` },
    });
    expect(created.status, created.text).toBe(201);
    ids[name] = created.body.id as number;
  }
  const course = await call(server.baseUrl, "POST", "/courses", {
    token: keys.registrar.token,
    body: { name: "Logic", level: "any", capacity: 1, waitlist_capacity: 1 },
  });
  ids.course = course.body.id as number;
  keys.student = await makeKey(db, "student", ids.own);
});
afterAll(async () => {
  await server?.close();
});

describe("history under AUTH=required", () => {
  it("records the actor {key_id, role} and the source, rest or trpc, of every change", async () => {
    const enrolled = await call(server.baseUrl, "POST", `/students/${ids.other}/courses`, {
      token: keys.registrar.token,
      body: { course_ids: [ids.course] },
    });
    expect(enrolled.status, enrolled.text).toBe(201);
    await trpcClient(server.baseUrl, keys.admin.token).enrollments.assign.mutate({
      studentId: ids.own,
      courseIds: [ids.course],
      waitlist: true,
    });
    const dropped = await call(
      server.baseUrl,
      "DELETE",
      `/students/${ids.other}/courses/${ids.course}?reason=left`,
      {
        token: keys.registrar.token,
      },
    );
    expect(dropped.status).toBe(204);

    const history = await call(server.baseUrl, "GET", `/courses/${ids.course}/history`, {
      token: keys.reader.token,
    });
    expect(history.status, history.text).toBe(200);
    const events = history.body.events as Entry[];
    expect(events.map((e) => [e.student_id, e.action, e.actor, e.source])).toEqual([
      [ids.other, "enrolled", { key_id: keys.registrar.id, role: "registrar" }, "rest"],
      [ids.own, "waitlisted", { key_id: keys.admin.id, role: "admin" }, "trpc"],
      [ids.other, "dropped", { key_id: keys.registrar.id, role: "registrar" }, "rest"],
      [ids.own, "promoted", { key_id: null, role: null }, "system"],
    ]);
    const overTrpc = await trpcClient(server.baseUrl, keys.reader.token).enrollments.history.query({
      courseId: ids.course,
    });
    expect(overTrpc.events.map((e) => e.actor)).toEqual([
      { keyId: keys.registrar.id, role: "registrar" },
      { keyId: keys.admin.id, role: "admin" },
      { keyId: keys.registrar.id, role: "registrar" },
      { keyId: null, role: null },
    ]);
  });

  it("lets a student key read its own student's history and nobody else's; course history is a read", async () => {
    const own = { token: keys.student.token };
    expect((await call(server.baseUrl, "GET", `/students/${ids.own}/history`, own)).status).toBe(200);
    expect(
      (await call(server.baseUrl, "GET", `/students/${ids.own}/courses/${ids.course}/history`, own)).status,
    ).toBe(200);
    expectProblem(
      await call(server.baseUrl, "GET", `/students/${ids.other}/history`, own),
      404,
      "student_not_found",
    );
    expectProblem(
      await call(server.baseUrl, "GET", `/students/${ids.other}/courses/${ids.course}/history`, own),
      404,
      "student_not_found",
    );
    expectProblem(await call(server.baseUrl, "GET", `/courses/${ids.course}/history`, own), 403, "forbidden");
    const student = trpcClient(server.baseUrl, keys.student.token);
    expect((await student.enrollments.history.query({ studentId: ids.own })).events.length).toBeGreaterThan(
      0,
    );
    expect(await trpcFailure(student.enrollments.history.query({ courseId: ids.course }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expectProblem(await call(server.baseUrl, "GET", `/students/${ids.own}/history`), 401, "unauthorized");
    expect(
      (await call(server.baseUrl, "GET", `/students/${ids.other}/history`, { token: keys.reader.token }))
        .status,
    ).toBe(200);
    // a student key may not change its own enrollments' status
    expectProblem(
      await call(server.baseUrl, "PATCH", `/students/${ids.own}/courses/${ids.course}`, {
        ...own,
        body: { status: "dropped" },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(server.baseUrl, "PATCH", `/students/${ids.own}/courses/${ids.course}`, {
        token: keys.reader.token,
        body: { status: "dropped" },
      }),
      403,
      "forbidden",
    );
  });

  it("lets readers read terms and only writers write them", async () => {
    const created = await call(server.baseUrl, "POST", "/terms", {
      token: keys.registrar.token,
      body: { name: "T", starts_on: "2026-01-01", ends_on: "2026-02-01" },
    });
    expect(created.status, created.text).toBe(201);
    expect((await call(server.baseUrl, "GET", "/terms", { token: keys.reader.token })).status).toBe(200);
    expectProblem(
      await call(server.baseUrl, "POST", "/terms", {
        token: keys.reader.token,
        body: { name: "T", starts_on: "2026-01-01", ends_on: "2026-02-01" },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(server.baseUrl, "DELETE", `/terms/${created.body.id}`, { token: keys.student.token }),
      403,
      "forbidden",
    );
  });
});
