import { describe, expect, it } from "vitest";
import {
  expectProblem,
  makeCourse,
  makeStudent,
  type StudentBody,
  uniqueEmail,
  useTestServer,
} from "./http-client.ts";

const context = useTestServer();
const api = context.api;

const isoTimestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe("POST /students", () => {
  it("creates a student: 201, Location, the Student shape", async () => {
    const email = uniqueEmail();
    const answer = await api.post<StudentBody>("/students", { name: "  Ada Lovelace  ", email });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("location")).toBe(`/students/${answer.body.id}`);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      name: "Ada Lovelace",
      email,
      created_at: expect.stringMatching(isoTimestamp),
      updated_at: expect.stringMatching(isoTimestamp),
      sourced_id: null,
    });
    const fetched = await api.get(`/students/${answer.body.id}`);
    expect(fetched.body).toEqual(answer.body);
  });

  it("treats emails case-insensitively: Ada@X.org and ada@x.org are the same student", async () => {
    const email = uniqueEmail("Ada.Case");
    expect((await api.post("/students", { name: "Ada", email })).status).toBe(201);
    const again = await api.post("/students", { name: "Ada again", email: email.toLowerCase() });
    expectProblem(again, 409, "email_taken");
    const upper = await api.post("/students", { name: "Ada again", email: email.toUpperCase() });
    expectProblem(upper, 409, "email_taken");
  });

  it.each([
    ["name missing", { email: "a@example.org" }, "name"],
    ["name blank after trimming", { name: "   ", email: "a@example.org" }, "name"],
    ["name of 201 characters", { name: "x".repeat(201), email: "a@example.org" }, "name"],
    ["name not a string", { name: 42, email: "a@example.org" }, "name"],
    ["email missing", { name: "Ada" }, "email"],
    ["email not an address", { name: "Ada", email: "not-an-email" }, "email"],
    ["email of 255 characters", { name: "Ada", email: `${"a".repeat(243)}@example.org` }, "email"],
    ["an unknown field", { name: "Ada", email: "a@example.org", admin: true }, "admin"],
  ])("refuses %s with 400 validation_failed naming the field", async (_, body, path) => {
    const problem = expectProblem(await api.post("/students", body), 400, "validation_failed");
    const errors = problem.errors as Array<{ path: string; message: string }>;
    expect(errors.map((error) => error.path)).toContain(path);
    expect(errors.every((error) => typeof error.message === "string" && error.message.length > 0)).toBe(true);
  });

  it("accepts a name of exactly 200 characters and an email of exactly 254", async () => {
    const local = `${Date.now()}${"a".repeat(64)}`.slice(0, 64);
    const domain = `${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.org`.slice(
      0,
      254 - local.length - 1,
    );
    const email = `${local}@${domain.replace(/\.?[^.]*$/, "")}.org`;
    const padded = email.length < 254 ? `${local}@${"e".repeat(254 - local.length - 5)}.org` : email;
    expect(padded).toHaveLength(254);
    const answer = await api.post<StudentBody>("/students", { name: "n".repeat(200), email: padded });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.name).toHaveLength(200);
  });

  it("refuses a body that is not a JSON object", async () => {
    for (const body of [[], "Ada", 42, null]) {
      expectProblem(await api.post("/students", body), 400, "validation_failed");
    }
  });
});

describe("GET /students", () => {
  it("pages by id with an opaque cursor, default 50, next_cursor null at the end", async () => {
    for (let i = 0; i < 5; i++) await makeStudent(api, `Pager ${i}`);
    const all: StudentBody[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/students?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await api.get<{ students: StudentBody[]; next_cursor: string | null }>(path);
      expect(page.status).toBe(200);
      expect(page.body.students.length).toBeLessThanOrEqual(2);
      all.push(...page.body.students);
      cursor = page.body.next_cursor;
    } while (cursor);
    const ids = all.map((student) => student.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    const whole = await api.get<{ students: StudentBody[]; next_cursor: string | null }>("/students");
    expect(whole.body.students.map((student) => student.id)).toEqual(ids.slice(0, 50));
    expect(whole.body.next_cursor).toBe(ids.length > 50 ? expect.any(String) : null);
  });

  it.each(["0", "201", "-1", "abc", "1.5", ""])("refuses limit=%s", async (limit) => {
    const problem = expectProblem(await api.get(`/students?limit=${limit}`), 400, "validation_failed");
    expect(problem.errors).toEqual([expect.objectContaining({ path: "limit" })]);
  });

  it("accepts limit 1 and 200", async () => {
    expect((await api.get("/students?limit=1")).status).toBe(200);
    expect((await api.get("/students?limit=200")).status).toBe(200);
  });

  it.each(["garbage", "aWQ6YWJj", "%00", "aWQ6MA", "aWQ6OTk5OTk5OTk5OQ"])(
    "refuses cursor=%s",
    async (cursor) => {
      const problem = expectProblem(await api.get(`/students?cursor=${cursor}`), 400, "validation_failed");
      expect(problem.errors).toEqual([expect.objectContaining({ path: "cursor" })]);
    },
  );
});

describe("GET, PATCH, DELETE /students/{id}", () => {
  it.each(["abc", "0", "-1", "1.5", "1e3", "99999999999", "2147483648", "01", "+1", " 1"])(
    "refuses the id %s with 400 validation_failed, on every method",
    async (id) => {
      const path = `/students/${encodeURIComponent(id)}`;
      for (const answer of [
        await api.get(path),
        await api.patch(path, { name: "x" }),
        await api.delete(path),
        await api.get(`${path}/courses`),
        await api.post(`${path}/courses`, { course_ids: [1] }),
      ]) {
        const problem = expectProblem(answer, 400, "validation_failed");
        expect(problem.errors).toEqual([expect.objectContaining({ path: "id" })]);
      }
    },
  );

  it("accepts the largest id and answers student_not_found with student_id", async () => {
    const problem = expectProblem(await api.get("/students/2147483647"), 404, "student_not_found");
    expect(problem.student_id).toBe(2147483647);
  });

  it("changes name and email, bumps updated_at, keeps created_at", async () => {
    const student = await makeStudent(api);
    const email = uniqueEmail("renamed");
    const answer = await api.patch<StudentBody>(`/students/${student.id}`, { name: "Ada King", email });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: student.id,
      name: "Ada King",
      email,
      created_at: student.created_at,
    });
    expect(Date.parse(answer.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(student.updated_at));
    const nameOnly = await api.patch<StudentBody>(`/students/${student.id}`, { name: "Ada" });
    expect(nameOnly.body).toMatchObject({ name: "Ada", email });
  });

  it("answers an empty patch with the student unchanged", async () => {
    const student = await makeStudent(api);
    const answer = await api.patch<StudentBody>(`/students/${student.id}`, {});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(student);
  });

  it("refuses to take another student's email, in any case", async () => {
    const ada = await makeStudent(api);
    const alan = await makeStudent(api, "Alan");
    const problem = expectProblem(
      await api.patch(`/students/${alan.id}`, { email: ada.email.toUpperCase() }),
      409,
      "email_taken",
    );
    expect(problem.detail).toMatch(/already/);
    expect((await api.get<StudentBody>(`/students/${alan.id}`)).body.email).toBe(alan.email);
    // a student may change the case of their own address
    const own = await api.patch<StudentBody>(`/students/${ada.id}`, { email: ada.email.toUpperCase() });
    expect(own.status).toBe(200);
  });

  it("refuses bad fields and unknown fields without writing anything", async () => {
    const student = await makeStudent(api);
    expectProblem(await api.patch(`/students/${student.id}`, { name: "" }), 400, "validation_failed");
    expectProblem(await api.patch(`/students/${student.id}`, { name: null }), 400, "validation_failed");
    expectProblem(
      await api.patch(`/students/${student.id}`, { name: "ok", id: 5 }),
      400,
      "validation_failed",
    );
    expect((await api.get(`/students/${student.id}`)).body).toEqual(student);
  });

  it("answers student_not_found for PATCH and DELETE of a missing student", async () => {
    expectProblem(await api.patch("/students/999999", { name: "x" }), 404, "student_not_found");
    expectProblem(await api.delete("/students/999999"), 404, "student_not_found");
  });

  it("deletes a student with 204 and removes their enrollments", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api, { capacity: 3 });
    expect((await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] })).status).toBe(201);

    const deleted = await api.delete(`/students/${student.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectProblem(await api.get(`/students/${student.id}`), 404, "student_not_found");
    const roster = await api.get<{ students: unknown[] }>(`/courses/${course.id}/students`);
    expect(roster.body.students).toEqual([]);
    expect((await api.get(`/courses/${course.id}`)).body).toMatchObject({ enrolled_count: 0 });
  });
});
