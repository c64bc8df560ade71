import type { AppRouter } from "@registrar/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import {
  type CourseBody,
  expectProblem,
  type HttpClient,
  httpClient,
  makeStudent,
  uniqueEmail,
} from "./http-client.ts";

let server: TestServer;
let api: HttpClient;
let trpc: ReturnType<typeof createTRPCClient<AppRouter>>;
beforeAll(async () => {
  server = await startTestServer();
  api = httpClient(server.baseUrl);
  trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.baseUrl}/trpc` })] });
});
afterAll(async () => {
  await server?.close();
});

type ProblemData = { code: string; httpStatus: number; problem: Record<string, unknown> };
async function trpcFailure(call: Promise<unknown>): Promise<ProblemData> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCClientError);
    return (error as TRPCClientError<AppRouter>).data as unknown as ProblemData;
  }
  throw new Error("expected the call to fail");
}

type Item = { id: number; status: string; waitlist_position: number | null; dropped_at: string | null };
type Entry = {
  id: number;
  student_id: number;
  course_id: number;
  action: string;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  actor: { key_id: number | null; role: string | null };
  source: string;
};

async function makeCourse(fields: Record<string, unknown> = {}): Promise<CourseBody> {
  const answer = await api.post<CourseBody>("/courses", { name: "Algebra", level: "beginner", ...fields });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

type WaitlistPage = { students: Item[]; next_cursor: string | null };

/** `GET /courses/{id}/students?status=waitlisted&…`, which must answer 200. */
async function waitlistPage(courseId: number, query: string): Promise<WaitlistPage> {
  const answer = await api.get<WaitlistPage>(`/courses/${courseId}/students?status=waitlisted&${query}`);
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

describe("terms over REST", () => {
  it("creates, reads, pages, changes and deletes a term, with the contract's fields and defaults", async () => {
    const created = await api.post("/terms", {
      name: " Fall 2026 ",
      starts_on: "2026-09-01",
      ends_on: "2026-12-20",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("location")).toBe(`/terms/${created.body.id}`);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name: "Fall 2026",
      type: "term",
      starts_on: "2026-09-01",
      ends_on: "2026-12-20",
      parent_id: null,
      sourced_id: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id as number;
    const child = await api.post("/terms", {
      name: "Q1",
      type: "gradingPeriod",
      starts_on: "2026-09-01",
      ends_on: "2026-10-31",
      parent_id: id,
      sourced_id: "q1-2026",
    });
    expect(child.status, child.text).toBe(201);
    expect(child.body).toMatchObject({ type: "gradingPeriod", parent_id: id, sourced_id: "q1-2026" });

    expect((await api.get(`/terms/${id}`)).body).toEqual(created.body);
    const page = await api.get<{ terms: { id: number }[]; next_cursor: string | null }>("/terms?limit=1");
    expect(page.status).toBe(200);
    expect(page.body.terms).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await api.get<{ terms: { id: number }[] }>(`/terms?limit=1&cursor=${page.body.next_cursor}`);
    expect(next.body.terms[0]?.id).toBeGreaterThan(page.body.terms[0]?.id ?? 0);

    const patched = await api.patch(`/terms/${id}`, { name: "Autumn 2026", type: "semester" });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      name: "Autumn 2026",
      type: "semester",
      starts_on: "2026-09-01",
    });

    expectProblem(await api.delete(`/terms/${id}`), 409, "term_in_use");
    expect((await api.delete(`/terms/${child.body.id}`)).status).toBe(204);
    expect((await api.delete(`/terms/${id}`)).status).toBe(204);
    expectProblem(await api.get(`/terms/${id}`), 404, "term_not_found");
  });

  it("refuses what the contract refuses, with its codes", async () => {
    expectProblem(await api.get("/terms/999999"), 404, "term_not_found");
    expectProblem(await api.patch("/terms/999999", { name: "x" }), 404, "term_not_found");
    expectProblem(await api.delete("/terms/999999"), 404, "term_not_found");
    expectProblem(await api.get("/terms/abc"), 400, "validation_failed");
    expectProblem(
      await api.post("/terms", { name: "Bad", starts_on: "2026-12-01", ends_on: "2026-09-01" }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.post("/terms", {
        name: "Bad",
        type: "quarter",
        starts_on: "2026-09-01",
        ends_on: "2026-12-01",
      }),
      400,
      "validation_failed",
    );
    const orphan = expectProblem(
      await api.post("/terms", {
        name: "Orphan",
        starts_on: "2026-09-01",
        ends_on: "2026-12-01",
        parent_id: 999999,
      }),
      422,
      "term_not_found",
    );
    expect(orphan.term_id).toBe(999999);
    const first = await api.post("/terms", {
      name: "A",
      starts_on: "2027-01-01",
      ends_on: "2027-06-01",
      sourced_id: "t-dup",
    });
    expect(first.status).toBe(201);
    expectProblem(
      await api.post("/terms", {
        name: "B",
        starts_on: "2027-01-01",
        ends_on: "2027-06-01",
        sourced_id: "t-dup",
      }),
      409,
      "sourced_id_taken",
    );
    // a PATCH of one date is checked against the other as stored, and named as REST names it
    const early = expectProblem(
      await api.patch(`/terms/${first.body.id}`, { ends_on: "2026-01-01" }),
      400,
      "validation_failed",
    );
    expect(early.errors).toEqual([{ path: "ends_on", message: "must not be before the term's start date" }]);
  });

  async function makeTerm(name: string, parentId: number | null = null): Promise<number> {
    const made = await api.post<{ id: number }>("/terms", {
      name,
      starts_on: "2027-09-01",
      ends_on: "2028-06-30",
      parent_id: parentId,
    });
    expect(made.status, made.text).toBe(201);
    return made.body.id;
  }

  it("refuses a parent that would make a term its own ancestor, however deep the loop", async () => {
    const year = await makeTerm("Year");
    const semester = await makeTerm("Semester", year);
    const quarter = await makeTerm("Quarter", semester);
    for (const [term, parent] of [
      [year, year],
      [year, semester],
      [year, quarter],
      [semester, quarter],
    ] as const) {
      const refused = expectProblem(
        await api.patch(`/terms/${term}`, { parent_id: parent }),
        400,
        "validation_failed",
      );
      expect((refused.errors as Array<{ path: string }>)[0]?.path).toBe("parent_id");
    }
    const cycle = await trpcFailure(trpc.terms.update.mutate({ id: year, parentId: quarter }));
    expect(cycle.problem).toMatchObject({ code: "validation_failed", errors: [{ path: "parentId" }] });
    // moving a subtree elsewhere, or to the top, is no loop
    const other = await makeTerm("Other year");
    expect((await api.patch(`/terms/${semester}`, { parent_id: other })).status).toBe(200);
    expect((await api.patch(`/terms/${year}`, { parent_id: quarter })).status).toBe(200);
    expect((await api.patch(`/terms/${year}`, { parent_id: null })).status).toBe(200);
  });

  it("lets only one of two concurrent moves through when together they would close a loop", async () => {
    for (let round = 0; round < 20; round++) {
      const a = await makeTerm(`A${round}`);
      const b = await makeTerm(`B${round}`);
      const answers = await Promise.all([
        api.patch(`/terms/${a}`, { parent_id: b }),
        api.patch(`/terms/${b}`, { parent_id: a }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    }
  });
});

describe("courses and students gain their v1.1 fields", () => {
  it("takes code, term_id, waitlist_capacity and sourced_id, and refuses what the contract refuses", async () => {
    const term = await api.post("/terms", { name: "Spring", starts_on: "2027-01-10", ends_on: "2027-05-30" });
    const course = await makeCourse({
      code: "ALG-1",
      term_id: term.body.id,
      waitlist_capacity: 3,
      sourced_id: "c-alg-1",
    });
    expect(course).toMatchObject({
      code: "ALG-1",
      term_id: term.body.id,
      waitlist_capacity: 3,
      waitlisted_count: 0,
      sourced_id: "c-alg-1",
    });
    const plain = await makeCourse();
    expect(plain).toMatchObject({
      code: null,
      term_id: null,
      waitlist_capacity: 0,
      waitlisted_count: 0,
      sourced_id: null,
    });

    const missingTerm = expectProblem(
      await api.post("/courses", { name: "X", level: "y", term_id: 999999 }),
      422,
      "term_not_found",
    );
    expect(missingTerm.term_id).toBe(999999);
    expectProblem(await api.patch(`/courses/${plain.id}`, { term_id: 999999 }), 422, "term_not_found");
    expectProblem(
      await api.post("/courses", { name: "X", level: "y", sourced_id: "c-alg-1" }),
      409,
      "sourced_id_taken",
    );
    expectProblem(
      await api.patch(`/courses/${plain.id}`, { sourced_id: "c-alg-1" }),
      409,
      "sourced_id_taken",
    );
    expectProblem(
      await api.post("/courses", { name: "X", level: "y", code: "x".repeat(65) }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.post("/courses", { name: "X", level: "y", waitlist_capacity: -1 }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.post("/courses", { name: "X", level: "y", sourced_id: "has space" }),
      400,
      "validation_failed",
    );

    const student = await api.post("/students", { name: "Ada", email: uniqueEmail(), sourced_id: "s-ada" });
    expect(student.status).toBe(201);
    expect(student.body.sourced_id).toBe("s-ada");
    expectProblem(
      await api.post("/students", { name: "Bob", email: uniqueEmail(), sourced_id: "s-ada" }),
      409,
      "sourced_id_taken",
    );
    const other = await makeStudent(api);
    expectProblem(await api.patch(`/students/${other.id}`, { sourced_id: "s-ada" }), 409, "sourced_id_taken");
    expect((await api.patch(`/students/${other.id}`, { sourced_id: null })).status).toBe(200);

    expectProblem(await api.delete(`/terms/${term.body.id}`), 409, "term_in_use");
  });
});

describe("the enrollment lifecycle over REST", () => {
  it("waitlists on a full course, promotes first come first served on a freed seat, and answers the statuses", async () => {
    const course = await makeCourse({ capacity: 1, waitlist_capacity: 2 });
    const [a, b, c, d] = [
      await makeStudent(api),
      await makeStudent(api),
      await makeStudent(api),
      await makeStudent(api),
    ];

    const first = await api.post(`/students/${a.id}/courses`, { course_ids: [course.id] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ enrolled: [course.id], waitlisted: [], already_enrolled: [] });

    // without waitlist: a full course is still 409, and nothing is written
    const refused = expectProblem(
      await api.post(`/students/${b.id}/courses`, { course_ids: [course.id] }),
      409,
      "course_full",
    );
    expect(refused.full_course_ids).toEqual([course.id]);

    const waitB = await api.post(`/students/${b.id}/courses`, { course_ids: [course.id], waitlist: true });
    expect(waitB.status, waitB.text).toBe(201);
    expect(waitB.body).toMatchObject({ enrolled: [], waitlisted: [course.id], already_enrolled: [] });
    expect(waitB.body.courses).toEqual([
      expect.objectContaining({
        id: course.id,
        status: "waitlisted",
        waitlist_position: 1,
        dropped_at: null,
      }),
    ]);
    const waitC = await api.post(`/students/${c.id}/courses`, { course_ids: [course.id], waitlist: true });
    expect(waitC.body.courses).toEqual([
      expect.objectContaining({ status: "waitlisted", waitlist_position: 2 }),
    ]);
    // the waitlist is full too: 409, nothing written
    expectProblem(
      await api.post(`/students/${d.id}/courses`, { course_ids: [course.id], waitlist: true }),
      409,
      "course_full",
    );
    // naming a waitlisted pair again is not new
    const again = await api.post(`/students/${b.id}/courses`, { course_ids: [course.id], waitlist: true });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ enrolled: [], waitlisted: [], already_enrolled: [course.id] });

    expect(
      (await api.get<CourseBody & { waitlisted_count: number }>(`/courses/${course.id}`)).body,
    ).toMatchObject({
      enrolled_count: 1,
      waitlisted_count: 2,
    });
    const waitlist = await api.get<{ students: Item[] }>(`/courses/${course.id}/students?status=waitlisted`);
    expect(waitlist.body.students.map((s) => [s.id, s.waitlist_position])).toEqual([
      [b.id, 1],
      [c.id, 2],
    ]);

    // a drop frees the seat: the head of the waitlist is promoted
    expect((await api.delete(`/students/${a.id}/courses/${course.id}?reason=moved%20away`)).status).toBe(204);
    const roster = await api.get<{ students: Item[] }>(`/courses/${course.id}/students?status=all`);
    expect(roster.body.students.map((s) => [s.id, s.status, s.waitlist_position])).toEqual([
      [a.id, "dropped", null],
      [b.id, "active", null],
      [c.id, "waitlisted", 1],
    ]);
    expect(roster.body.students[0]?.dropped_at).toEqual(expect.any(String));
    // the default is active only
    const active = await api.get<{ students: Item[] }>(`/courses/${course.id}/students`);
    expect(active.body.students.map((s) => s.id)).toEqual([b.id]);
    const some = await api.get<{ students: Item[] }>(
      `/courses/${course.id}/students?status=dropped,waitlisted`,
    );
    expect(some.body.students.map((s) => s.id)).toEqual([a.id, c.id]);

    // completing frees the seat too
    const completed = await api.patch(`/students/${b.id}/courses/${course.id}`, {
      status: "completed",
      reason: "passed",
    });
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body).toMatchObject({
      id: course.id,
      status: "completed",
      waitlist_position: null,
      enrolled_count: 1,
    });
    const cCourses = await api.get<{ courses: Item[] }>(`/students/${c.id}/courses`);
    expect(cCourses.body.courses.map((x) => [x.id, x.status])).toEqual([[course.id, "active"]]);

    // a dropped pair named again becomes active again, when there is a seat
    expect((await api.patch(`/courses/${course.id}`, { capacity: 2 })).status).toBe(200);
    const back = await api.post(`/students/${a.id}/courses`, { course_ids: [course.id] });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ enrolled: [course.id], already_enrolled: [] });

    const history = await api.get<{ events: Entry[] }>(`/students/${a.id}/courses/${course.id}/history`);
    expect(history.body.events.map((e) => [e.action, e.from_status, e.to_status, e.reason])).toEqual([
      ["enrolled", null, "active", null],
      ["dropped", "active", "dropped", "moved away"],
      ["reactivated", "dropped", "active", null],
    ]);
    const promoted = await api.get<{ events: Entry[] }>(`/students/${b.id}/courses/${course.id}/history`);
    expect(promoted.body.events.map((e) => [e.action, e.source])).toEqual([
      ["waitlisted", "rest"],
      ["promoted", "system"],
      ["completed", "rest"],
    ]);
    expect(promoted.body.events[2]?.reason).toBe("passed");
  });

  it("allows exactly the contract's transitions and refuses the rest with invalid_transition (from, to)", async () => {
    const course = await makeCourse({ capacity: 1, waitlist_capacity: 1 });
    const holder = await makeStudent(api);
    const waiting = await makeStudent(api);
    await api.post(`/students/${holder.id}/courses`, { course_ids: [course.id] });
    await api.post(`/students/${waiting.id}/courses`, { course_ids: [course.id], waitlist: true });

    const refusal = expectProblem(
      await api.patch(`/students/${waiting.id}/courses/${course.id}`, { status: "completed" }),
      409,
      "invalid_transition",
    );
    expect(refusal).toMatchObject({ from: "waitlisted", to: "completed" });
    const dropWaiting = await api.patch(`/students/${waiting.id}/courses/${course.id}`, {
      status: "dropped",
    });
    expect(dropWaiting.status).toBe(200);
    expect(dropWaiting.body).toMatchObject({ status: "dropped", dropped_at: expect.any(String) });
    for (const to of ["dropped", "completed"]) {
      const body = expectProblem(
        await api.patch(`/students/${waiting.id}/courses/${course.id}`, { status: to }),
        409,
        "invalid_transition",
      );
      expect(body).toMatchObject({ from: "dropped", to });
    }
    expect(
      (await api.patch(`/students/${holder.id}/courses/${course.id}`, { status: "completed" })).status,
    ).toBe(200);
    for (const to of ["dropped", "completed"]) {
      expect(
        expectProblem(
          await api.patch(`/students/${holder.id}/courses/${course.id}`, { status: to }),
          409,
          "invalid_transition",
        ),
      ).toMatchObject({ from: "completed", to });
    }
    // a drop (DELETE) of a pair that is neither active nor waitlisted is 404, as before
    expectProblem(
      await api.delete(`/students/${holder.id}/courses/${course.id}`),
      404,
      "enrollment_not_found",
    );

    const other = await makeCourse();
    expectProblem(
      await api.patch(`/students/${holder.id}/courses/${other.id}`, { status: "dropped" }),
      404,
      "enrollment_not_found",
    );
    expectProblem(
      await api.patch(`/students/999999/courses/${other.id}`, { status: "dropped" }),
      404,
      "student_not_found",
    );
    expectProblem(
      await api.patch(`/students/${holder.id}/courses/999999`, { status: "dropped" }),
      404,
      "course_not_found",
    );
    expectProblem(
      await api.patch(`/students/${holder.id}/courses/${other.id}`, { status: "active" }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.patch(`/students/${holder.id}/courses/${other.id}`, { status: "waitlisted" }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.patch(`/students/${holder.id}/courses/${other.id}`, {
        status: "dropped",
        reason: "x".repeat(501),
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await api.delete(`/students/${holder.id}/courses/${other.id}?reason=${"x".repeat(501)}`),
      400,
      "validation_failed",
    );
  });

  it("promotes on a raised capacity, renumbers positions after a waitlisted drop, and guards the waitlist capacity", async () => {
    const course = await makeCourse({ capacity: 1, waitlist_capacity: 3 });
    const [a, b, c, d] = [
      await makeStudent(api),
      await makeStudent(api),
      await makeStudent(api),
      await makeStudent(api),
    ];
    await api.post(`/students/${a.id}/courses`, { course_ids: [course.id] });
    for (const student of [b, c, d]) {
      const answer = await api.post(`/students/${student.id}/courses`, {
        course_ids: [course.id],
        waitlist: true,
      });
      expect(answer.status, answer.text).toBe(201);
    }
    const below = expectProblem(
      await api.patch(`/courses/${course.id}`, { waitlist_capacity: 2 }),
      409,
      "waitlist_below_count",
    );
    expect(below.code).toBe("waitlist_below_count");
    expect((await api.delete(`/students/${b.id}/courses/${course.id}`)).status).toBe(204);
    const waitlist = await api.get<{ students: Item[] }>(`/courses/${course.id}/students?status=waitlisted`);
    expect(waitlist.body.students.map((s) => [s.id, s.waitlist_position])).toEqual([
      [c.id, 1],
      [d.id, 2],
    ]);
    const raised = await api.patch(`/courses/${course.id}`, { capacity: 2 });
    expect(raised.status, raised.text).toBe(200);
    expect(raised.body).toMatchObject({ enrolled_count: 2, waitlisted_count: 1 });
    const dCourses = await api.get<{ courses: Item[] }>(`/students/${d.id}/courses?status=waitlisted`);
    expect(dCourses.body.courses.map((x) => [x.id, x.waitlist_position])).toEqual([[course.id, 1]]);
    const cHistory = await api.get<{ events: Entry[] }>(`/students/${c.id}/courses/${course.id}/history`);
    expect(cHistory.body.events.map((e) => [e.action, e.source])).toEqual([
      ["waitlisted", "rest"],
      ["promoted", "system"],
    ]);
    expect((await api.patch(`/courses/${course.id}`, { waitlist_capacity: 1 })).status).toBe(200);

    // deleting a student erases its enrollments and their history
    expect((await api.delete(`/students/${c.id}`)).status).toBe(204);
    expectProblem(await api.get(`/students/${c.id}/history`), 404, "student_not_found");
    const courseHistory = await api.get<{ events: Entry[] }>(`/courses/${course.id}/history?limit=200`);
    expect(courseHistory.body.events.some((e) => e.student_id === c.id)).toBe(false);
  });

  it("pages a waitlist in join order, and a page after a promoted row starts where the last one ended", async () => {
    const course = await makeCourse({ capacity: 1, waitlist_capacity: 10 });
    const pageOf = (query: string) => waitlistPage(course.id, query);
    expect(await pageOf("limit=2")).toEqual({ course_id: course.id, students: [], next_cursor: null });

    const students = [];
    for (let i = 0; i < 6; i++) students.push(await makeStudent(api));
    const [seated, ...rest] = students;
    if (!seated) throw new Error("no student");
    expect((await api.post(`/students/${seated.id}/courses`, { course_ids: [course.id] })).status).toBe(201);
    // joined in the reverse of their ids: the waitlist's order is when they joined
    const joined = rest.reverse();
    for (const student of joined) {
      const answer = await api.post(`/students/${student.id}/courses`, {
        course_ids: [course.id],
        waitlist: true,
      });
      expect(answer.body.waitlisted).toEqual([course.id]);
    }
    const rows = (page: WaitlistPage) => page.students.map((s) => [s.id, s.waitlist_position]);
    const head = await pageOf("limit=1");
    expect(rows(head)).toEqual([[joined[0]?.id, 1]]);
    const first = await pageOf("limit=2");
    expect(rows(first)).toEqual([
      [joined[0]?.id, 1],
      [joined[1]?.id, 2],
    ]);
    const second = await pageOf(`limit=2&cursor=${first.next_cursor}`);
    expect(rows(second)).toEqual([
      [joined[2]?.id, 3],
      [joined[3]?.id, 4],
    ]);
    const last = await pageOf(`limit=2&cursor=${second.next_cursor}`);
    expect(last).toEqual({
      course_id: course.id,
      students: [expect.objectContaining({ id: joined[4]?.id, waitlist_position: 5 })],
      next_cursor: null,
    });

    // the seat is freed: the head is promoted, and the rest move up a place
    expect((await api.delete(`/students/${seated.id}/courses/${course.id}`)).status).toBe(204);
    const after = await pageOf(`limit=2&cursor=${first.next_cursor}`);
    expect(rows(after)).toEqual([
      [joined[2]?.id, 2],
      [joined[3]?.id, 3],
    ]);
    // after the row that was promoted: the rest of the waitlist, numbered from 1
    const afterPromoted = await pageOf(`limit=2&cursor=${head.next_cursor}`);
    expect(rows(afterPromoted)).toEqual([
      [joined[1]?.id, 1],
      [joined[2]?.id, 2],
    ]);
    const fromHead = await pageOf("limit=10");
    expect(rows(fromHead).map(([id]) => id)).toEqual(joined.slice(1).map((s) => s.id));
    expectProblem(
      await api.get(`/courses/999999/students?status=waitlisted&limit=2`),
      404,
      "course_not_found",
    );
  });

  it("a waitlist page's cursor keeps its place when its row is deleted or joins again at the end", async () => {
    const course = await makeCourse({ capacity: 1, waitlist_capacity: 10 });
    const pageOf = (query: string) => waitlistPage(course.id, query);
    const seated = await makeStudent(api);
    expect((await api.post(`/students/${seated.id}/courses`, { course_ids: [course.id] })).status).toBe(201);
    const waiting = [];
    for (let i = 0; i < 6; i++) {
      const student = await makeStudent(api);
      const answer = await api.post(`/students/${student.id}/courses`, {
        course_ids: [course.id],
        waitlist: true,
      });
      expect(answer.body.waitlisted).toEqual([course.id]);
      waiting.push(student.id);
    }
    const ids = (page: WaitlistPage) => page.students.map((s) => s.id);
    const first = await pageOf("limit=2");
    expect(ids(first)).toEqual(waiting.slice(0, 2));

    // the page's last student drops and joins again: now last in the waitlist
    const [, moved, next] = [waiting[0], waiting[1], waiting[2]];
    expect((await api.delete(`/students/${moved}/courses/${course.id}`)).status).toBe(204);
    const rejoined = await api.post(`/students/${moved}/courses`, {
      course_ids: [course.id],
      waitlist: true,
    });
    expect(rejoined.body.waitlisted).toEqual([course.id]);
    const afterMoved = await pageOf(`limit=2&cursor=${first.next_cursor}`);
    expect(afterMoved.students.map((s) => [s.id, s.waitlist_position])).toEqual([
      [next, 2],
      [waiting[3], 3],
    ]);

    // the next page's last student is deleted: the page after it starts where it would have
    expect((await api.delete(`/students/${waiting[3]}`)).status).toBe(204);
    const afterDeleted = await pageOf(`limit=2&cursor=${afterMoved.next_cursor}`);
    expect(afterDeleted.students.map((s) => [s.id, s.waitlist_position])).toEqual([
      [waiting[4], 3],
      [waiting[5], 4],
    ]);
    const rest = await pageOf(`limit=2&cursor=${afterDeleted.next_cursor}`);
    expect(rest).toEqual({
      course_id: course.id,
      students: [expect.objectContaining({ id: moved, waitlist_position: 5 })],
      next_cursor: null,
    });

    // a cursor as waitlist pages gave before, of a student id, still pages after that student's place
    const idCursor = Buffer.from(`id:${next}`).toString("base64url");
    expect(ids(await pageOf(`limit=2&cursor=${idCursor}`))).toEqual([waiting[4], waiting[5]]);

    // a cursor of the waitlist's kind is for a waitlist page; elsewhere, and altered, it is refused
    const cursor = afterMoved.next_cursor ?? "";
    expectProblem(await api.get(`/courses/${course.id}/students?cursor=${cursor}`), 400, "validation_failed");
    const altered = Buffer.from(`${Buffer.from(cursor, "base64url").toString()}:1`).toString("base64url");
    expectProblem(
      await api.get(`/courses/${course.id}/students?status=waitlisted&cursor=${altered}`),
      400,
      "validation_failed",
    );
  });

  it("PUT makes the named set the active one, drops the rest (kept), and waitlists with waitlist: true", async () => {
    const full = await makeCourse({ capacity: 1, waitlist_capacity: 5 });
    const open = await makeCourse();
    const old = await makeCourse();
    const taker = await makeStudent(api);
    await api.post(`/students/${taker.id}/courses`, { course_ids: [full.id] });
    const student = await makeStudent(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [old.id] });

    expectProblem(
      await api.put(`/students/${student.id}/courses`, { course_ids: [full.id, open.id] }),
      409,
      "course_full",
    );
    const replaced = await api.put(`/students/${student.id}/courses`, {
      course_ids: [full.id, open.id],
      waitlist: true,
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body).toMatchObject({ enrolled: [open.id], waitlisted: [full.id], removed: [old.id] });
    const all = await api.get<{ courses: Item[] }>(`/students/${student.id}/courses?status=all`);
    expect(all.body.courses.map((x) => [x.id, x.status])).toEqual([
      [full.id, "waitlisted"],
      [open.id, "active"],
      [old.id, "dropped"],
    ]);
    expectProblem(await api.get(`/students/${student.id}/courses?status=pending`), 400, "validation_failed");
    expectProblem(await api.get(`/students/${student.id}/courses?status=`), 400, "validation_failed");
  });

  it("shows a v1 client what it saw before, apart from the added fields", async () => {
    const course = await makeCourse({ capacity: 1 });
    const student = await makeStudent(api);
    const other = await makeStudent(api);
    const assigned = await api.post(`/students/${student.id}/courses`, {
      course_ids: [course.id, course.id],
    });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({
      student_id: student.id,
      enrolled: [course.id],
      already_enrolled: [],
    });
    expectProblem(
      await api.post(`/students/${other.id}/courses`, { course_ids: [course.id] }),
      409,
      "course_full",
    );
    expect((await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] })).status).toBe(200);
    expectProblem(
      await api.post(`/students/${student.id}/courses`, { course_ids: [999999] }),
      422,
      "course_not_found",
    );
    expect((await api.delete(`/students/${student.id}/courses/${course.id}`)).status).toBe(204);
    const list = await api.get<{ courses: Item[] }>(`/students/${student.id}/courses`);
    expect(list.body.courses).toEqual([]);
    expectProblem(
      await api.delete(`/students/${student.id}/courses/${course.id}`),
      404,
      "enrollment_not_found",
    );
    expect((await api.get<CourseBody>(`/courses/${course.id}`)).body.enrolled_count).toBe(0);
  });
});

describe("history over REST", () => {
  it("answers a pair's, a student's and a course's entries oldest first, paged; a pair that never existed is 404", async () => {
    const course = await makeCourse();
    const student = await makeStudent(api);
    const other = await makeStudent(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    await api.post(`/students/${other.id}/courses`, { course_ids: [course.id] });
    await api.delete(`/students/${student.id}/courses/${course.id}?reason=schedule`);

    const byStudent = await api.get<{ events: Entry[]; next_cursor: string | null }>(
      `/students/${student.id}/history`,
    );
    expect(byStudent.status).toBe(200);
    expect(byStudent.body.events).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        student_id: student.id,
        course_id: course.id,
        action: "enrolled",
        from_status: null,
        to_status: "active",
        reason: null,
        actor: { key_id: null, role: null },
        source: "rest",
      },
      expect.objectContaining({
        action: "dropped",
        from_status: "active",
        to_status: "dropped",
        reason: "schedule",
      }),
    ]);
    expect(byStudent.body.next_cursor).toBeNull();

    const byCourse = await api.get<{ events: Entry[]; next_cursor: string }>(
      `/courses/${course.id}/history?limit=2`,
    );
    expect(byCourse.body.events.map((e) => [e.student_id, e.action])).toEqual([
      [student.id, "enrolled"],
      [other.id, "enrolled"],
    ]);
    const rest = await api.get<{ events: Entry[]; next_cursor: string | null }>(
      `/courses/${course.id}/history?limit=2&cursor=${byCourse.body.next_cursor}`,
    );
    expect(rest.body.events.map((e) => [e.student_id, e.action])).toEqual([[student.id, "dropped"]]);
    expect(rest.body.next_cursor).toBeNull();

    const unrelated = await makeCourse();
    expectProblem(
      await api.get(`/students/${student.id}/courses/${unrelated.id}/history`),
      404,
      "enrollment_not_found",
    );
    expectProblem(await api.get("/students/999999/history"), 404, "student_not_found");
    expectProblem(await api.get("/courses/999999/history"), 404, "course_not_found");
    expectProblem(await api.get("/courses/0/history"), 400, "validation_failed");
  });
});

describe("search over REST", () => {
  it("finds students by name or email and courses by name or code, in a term, over all rows", async () => {
    const marker = `zq${Date.now().toString(36)}`;
    const byName = await api.post("/students", { name: `Ada ${marker}`, email: uniqueEmail() });
    const byEmail = await api.post("/students", { name: "Bob", email: `${marker}@example.org` });
    await makeStudent(api, "Nobody");
    const found = await api.get<{ students: { id: number }[] }>(`/students?q=${marker.toUpperCase()}`);
    expect(found.status).toBe(200);
    expect(found.body.students.map((s) => s.id)).toEqual([byName.body.id, byEmail.body.id]);
    const paged = await api.get<{ students: { id: number }[]; next_cursor: string }>(
      `/students?q=${marker}&limit=1`,
    );
    expect(paged.body.students.map((s) => s.id)).toEqual([byName.body.id]);
    const second = await api.get<{ students: { id: number }[] }>(
      `/students?q=${marker}&limit=1&cursor=${paged.body.next_cursor}`,
    );
    expect(second.body.students.map((s) => s.id)).toEqual([byEmail.body.id]);

    const term = await api.post("/terms", {
      name: "Search term",
      starts_on: "2028-01-01",
      ends_on: "2028-06-01",
    });
    const inTerm = await makeCourse({ name: `Geometry ${marker}`, term_id: term.body.id });
    const byCode = await makeCourse({ name: "Chemistry", code: `${marker}-C` });
    const courses = await api.get<{ courses: { id: number }[] }>(`/courses?q=${marker}`);
    expect(courses.body.courses.map((x) => x.id)).toEqual([inTerm.id, byCode.id]);
    const termed = await api.get<{ courses: { id: number }[] }>(
      `/courses?q=${marker}&term_id=${term.body.id}`,
    );
    expect(termed.body.courses.map((x) => x.id)).toEqual([inTerm.id]);
    const onlyTerm = await api.get<{ courses: { id: number }[] }>(`/courses?term_id=${term.body.id}`);
    expect(onlyTerm.body.courses.map((x) => x.id)).toEqual([inTerm.id]);
    expectProblem(await api.get("/students?q="), 400, "validation_failed");
    expectProblem(await api.get("/courses?term_id=abc"), 400, "validation_failed");
  });
});

describe("the same over tRPC", () => {
  it("serves terms, the lifecycle, history, status filters and search with the same rules", async () => {
    const term = await trpc.terms.create.mutate({
      name: "Winter",
      startsOn: "2029-01-01",
      endsOn: "2029-03-01",
    });
    expect(term).toMatchObject({ type: "term", parentId: null, sourcedId: null });
    expect(await trpc.terms.byId.query({ id: term.id })).toEqual(term);
    expect((await trpc.terms.update.mutate({ id: term.id, name: "Winter 2029" })).name).toBe("Winter 2029");
    expect((await trpc.terms.list.query({ limit: 200 })).terms.map((t) => t.id)).toContain(term.id);
    const missing = await trpcFailure(trpc.terms.byId.query({ id: 999999 }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", problem: { code: "term_not_found" } });

    const course = await trpc.courses.create.mutate({
      name: "Poetry",
      level: "any",
      capacity: 1,
      waitlistCapacity: 1,
      termId: term.id,
      code: "POE",
    });
    expect(await trpcFailure(trpc.terms.delete.mutate({ id: term.id }))).toMatchObject({
      code: "CONFLICT",
      problem: { code: "term_in_use" },
    });
    const a = await trpc.students.create.mutate({ name: "A", email: uniqueEmail() });
    const b = await trpc.students.create.mutate({ name: "B", email: uniqueEmail() });
    await trpc.enrollments.assign.mutate({ studentId: a.id, courseIds: [course.id] });
    const waiting = await trpc.enrollments.assign.mutate({
      studentId: b.id,
      courseIds: [course.id],
      waitlist: true,
    });
    expect(waiting).toMatchObject({ waitlisted: [course.id], enrolled: [] });
    expect(waiting.courses[0]).toMatchObject({ status: "waitlisted", waitlistPosition: 1 });

    const refused = await trpcFailure(
      trpc.enrollments.update.mutate({ studentId: b.id, courseId: course.id, status: "completed" }),
    );
    expect(refused).toMatchObject({
      code: "CONFLICT",
      problem: { code: "invalid_transition", from: "waitlisted", to: "completed" },
    });
    const done = await trpc.enrollments.update.mutate({
      studentId: a.id,
      courseId: course.id,
      status: "completed",
    });
    expect(done).toMatchObject({ status: "completed", waitlistPosition: null });
    await trpc.enrollments.remove.mutate({ studentId: b.id, courseId: course.id, reason: "changed mind" });

    const roster = await trpc.courses.students.query({ courseId: course.id, status: "all" });
    expect(roster.students.map((s) => [s.id, s.status])).toEqual([
      [a.id, "completed"],
      [b.id, "dropped"],
    ]);
    expect(
      (await trpc.enrollments.list.query({ studentId: b.id, status: ["dropped"] })).courses,
    ).toHaveLength(1);
    expect((await trpc.enrollments.list.query({ studentId: b.id })).courses).toHaveLength(0);

    const history = await trpc.enrollments.history.query({ studentId: b.id, courseId: course.id });
    expect(history.events.map((e) => [e.action, e.source, e.reason])).toEqual([
      ["waitlisted", "trpc", null],
      ["promoted", "system", null],
      ["dropped", "trpc", "changed mind"],
    ]);
    expect(history.events[0]?.actor).toEqual({ keyId: null, role: null });
    expect((await trpc.enrollments.history.query({ courseId: course.id })).events).toHaveLength(5);
    expect(await trpcFailure(trpc.enrollments.history.query({}))).toMatchObject({
      code: "BAD_REQUEST",
      problem: { code: "validation_failed" },
    });
    const other = await trpc.courses.create.mutate({ name: "Other", level: "x" });
    expect(
      await trpcFailure(trpc.enrollments.history.query({ studentId: a.id, courseId: other.id })),
    ).toMatchObject({
      code: "NOT_FOUND",
      problem: { code: "enrollment_not_found" },
    });

    expect((await trpc.courses.list.query({ q: "poe", termId: term.id })).courses.map((c) => c.id)).toEqual([
      course.id,
    ]);
    const marker = `tq${Date.now().toString(36)}`;
    const named = await trpc.students.create.mutate({ name: `Zed ${marker}`, email: uniqueEmail() });
    expect((await trpc.students.list.query({ q: marker })).students.map((s) => s.id)).toEqual([named.id]);
  });
  it("allows exactly the contract's transitions over tRPC too, and refuses the rest with invalid_transition", async () => {
    const course = await trpc.courses.create.mutate({
      name: "Rhetoric",
      level: "any",
      capacity: 1,
      waitlistCapacity: 1,
    });
    const holder = await trpc.students.create.mutate({ name: "H", email: uniqueEmail() });
    const waiting = await trpc.students.create.mutate({ name: "W", email: uniqueEmail() });
    await trpc.enrollments.assign.mutate({ studentId: holder.id, courseIds: [course.id] });
    await trpc.enrollments.assign.mutate({ studentId: waiting.id, courseIds: [course.id], waitlist: true });
    const pair = (studentId: number) => ({ studentId, courseId: course.id });

    expect(
      await trpcFailure(trpc.enrollments.update.mutate({ ...pair(waiting.id), status: "completed" })),
    ).toMatchObject({
      code: "CONFLICT",
      problem: { code: "invalid_transition", from: "waitlisted", to: "completed" },
    });
    expect((await trpc.enrollments.update.mutate({ ...pair(waiting.id), status: "dropped" })).status).toBe(
      "dropped",
    );
    for (const status of ["dropped", "completed"] as const) {
      expect(
        await trpcFailure(trpc.enrollments.update.mutate({ ...pair(waiting.id), status })),
      ).toMatchObject({
        problem: { code: "invalid_transition", from: "dropped", to: status },
      });
    }
    expect((await trpc.enrollments.update.mutate({ ...pair(holder.id), status: "completed" })).status).toBe(
      "completed",
    );
    for (const status of ["dropped", "completed"] as const) {
      expect(await trpcFailure(trpc.enrollments.update.mutate({ ...pair(holder.id), status }))).toMatchObject(
        {
          problem: { code: "invalid_transition", from: "completed", to: status },
        },
      );
    }
    expect(await trpcFailure(trpc.enrollments.remove.mutate(pair(holder.id)))).toMatchObject({
      code: "NOT_FOUND",
      problem: { code: "enrollment_not_found" },
    });
    expect(
      await trpcFailure(trpc.enrollments.update.mutate({ ...pair(holder.id), status: "active" as never })),
    ).toMatchObject({ code: "BAD_REQUEST", problem: { code: "validation_failed" } });
    // active → dropped, over tRPC
    const third = await trpc.students.create.mutate({ name: "T", email: uniqueEmail() });
    await trpc.enrollments.assign.mutate({ studentId: third.id, courseIds: [course.id] });
    const dropped = await trpc.enrollments.update.mutate({
      ...pair(third.id),
      status: "dropped",
      reason: "moved",
    });
    expect(dropped).toMatchObject({ status: "dropped", droppedAt: expect.any(String) });
    const history = await trpc.enrollments.history.query(pair(third.id));
    expect(history.events.map((e) => [e.action, e.reason, e.source])).toEqual([
      ["enrolled", null, "trpc"],
      ["dropped", "moved", "trpc"],
    ]);
  });
});
