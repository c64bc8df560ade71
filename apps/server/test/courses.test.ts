import { describe, expect, it } from "vitest";
import { type CourseBody, expectProblem, makeCourse, makeStudent, useTestServer } from "./http-client.ts";

const context = useTestServer();
const api = context.api;

describe("POST /courses", () => {
  it("creates a course with a capacity: 201, Location, enrolled_count 0", async () => {
    const answer = await api.post<CourseBody>("/courses", {
      name: " Calculus ",
      level: " intermediate ",
      capacity: 25,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("location")).toBe(`/courses/${answer.body.id}`);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      name: "Calculus",
      level: "intermediate",
      capacity: 25,
      enrolled_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      code: null,
      term_id: null,
      waitlist_capacity: 0,
      waitlisted_count: 0,
      sourced_id: null,
    });
  });

  it("creates an unlimited course when capacity is absent or null", async () => {
    expect((await makeCourse(api)).capacity).toBeNull();
    expect((await makeCourse(api, { capacity: null })).capacity).toBeNull();
  });

  it.each([
    ["capacity 0", { name: "A", level: "b", capacity: 0 }, "capacity"],
    ["capacity 100001", { name: "A", level: "b", capacity: 100001 }, "capacity"],
    ["capacity 1.5", { name: "A", level: "b", capacity: 1.5 }, "capacity"],
    ["capacity as a string", { name: "A", level: "b", capacity: "10" }, "capacity"],
    ["level missing", { name: "A" }, "level"],
    ["level blank", { name: "A", level: " " }, "level"],
    ["name of 201 characters", { name: "x".repeat(201), level: "b" }, "name"],
    ["an unknown field", { name: "A", level: "b", teacher: "Knuth" }, "teacher"],
  ])("refuses %s with 400 validation_failed", async (_, body, path) => {
    const problem = expectProblem(await api.post("/courses", body), 400, "validation_failed");
    expect((problem.errors as Array<{ path: string }>).map((error) => error.path)).toContain(path);
  });

  it("accepts the capacity bounds 1 and 100000", async () => {
    expect((await makeCourse(api, { capacity: 1 })).capacity).toBe(1);
    expect((await makeCourse(api, { capacity: 100000 })).capacity).toBe(100000);
  });
});

describe("GET /courses", () => {
  it("pages by id and reports enrolled_count", async () => {
    const course = await makeCourse(api, { capacity: 10 });
    const student = await makeStudent(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    const first = await api.get<{ courses: CourseBody[]; next_cursor: string | null }>("/courses?limit=1");
    expect(first.status).toBe(200);
    expect(first.body.courses).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const seen: CourseBody[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { courses: CourseBody[]; next_cursor: string | null } } = await api.get(
        `/courses?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.courses);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.find((c) => c.id === course.id)?.enrolled_count).toBe(1);
    const ids = seen.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});

describe("GET, PATCH, DELETE /courses/{id}", () => {
  it("answers course_not_found with course_id, and 400 for a bad id", async () => {
    const problem = expectProblem(await api.get("/courses/424242"), 404, "course_not_found");
    expect(problem.course_id).toBe(424242);
    expectProblem(await api.get("/courses/1e3"), 400, "validation_failed");
    expectProblem(await api.patch("/courses/424242", { name: "x" }), 404, "course_not_found");
    expectProblem(await api.delete("/courses/424242"), 404, "course_not_found");
  });

  it("changes name, level and capacity", async () => {
    const course = await makeCourse(api, { capacity: 5 });
    const answer = await api.patch<CourseBody>(`/courses/${course.id}`, {
      name: "Geometry",
      level: "advanced",
      capacity: 7,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: course.id, name: "Geometry", level: "advanced", capacity: 7 });
    const unlimited = await api.patch<CourseBody>(`/courses/${course.id}`, { capacity: null });
    expect(unlimited.body.capacity).toBeNull();
  });

  it("refuses a capacity below the enrolled count with 409 capacity_below_enrolled, and allows it equal", async () => {
    const course = await makeCourse(api, { capacity: 5 });
    for (let i = 0; i < 3; i++) {
      const student = await makeStudent(api);
      await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    }
    expectProblem(await api.patch(`/courses/${course.id}`, { capacity: 2 }), 409, "capacity_below_enrolled");
    expect((await api.get<CourseBody>(`/courses/${course.id}`)).body).toMatchObject({
      capacity: 5,
      enrolled_count: 3,
    });
    const equal = await api.patch<CourseBody>(`/courses/${course.id}`, { capacity: 3 });
    expect(equal.status).toBe(200);
    expect(equal.body).toMatchObject({ capacity: 3, enrolled_count: 3 });
  });

  it("deletes a course with 204 and removes its enrollments", async () => {
    const course = await makeCourse(api);
    const keep = await makeCourse(api, { name: "Physics" });
    const student = await makeStudent(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id, keep.id] });
    expect((await api.delete(`/courses/${course.id}`)).status).toBe(204);
    expectProblem(await api.get(`/courses/${course.id}`), 404, "course_not_found");
    const list = await api.get<{ courses: CourseBody[] }>(`/students/${student.id}/courses`);
    expect(list.body.courses.map((c) => c.id)).toEqual([keep.id]);
  });
});

describe("GET /courses/{id}/students", () => {
  it("lists the roster by student id with enrolled_at, a page at a time", async () => {
    const course = await makeCourse(api);
    const students = [];
    for (let i = 0; i < 5; i++) students.push(await makeStudent(api, `Roster ${i}`));
    for (const student of [...students].reverse()) {
      await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    }
    const first = await api.get<{
      course_id: number;
      students: Array<Record<string, unknown>>;
      next_cursor: string;
    }>(`/courses/${course.id}/students?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.course_id).toBe(course.id);
    expect(first.body.students.map((s) => s.id)).toEqual(students.slice(0, 3).map((s) => s.id));
    expect(first.body.students[0]).toEqual({
      ...students[0],
      enrolled_at: expect.any(String),
      status: "active",
      waitlist_position: null,
      begin_date: null,
      end_date: null,
      dropped_at: null,
    });
    const second = await api.get<{ students: Array<{ id: number }>; next_cursor: string | null }>(
      `/courses/${course.id}/students?limit=3&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.students.map((s) => s.id)).toEqual(students.slice(3).map((s) => s.id));
    expect(second.body.next_cursor).toBeNull();
  });

  it("answers an empty roster for a course without students, and 404 for a missing course", async () => {
    const course = await makeCourse(api);
    const roster = await api.get(`/courses/${course.id}/students`);
    expect(roster.body).toEqual({ course_id: course.id, students: [], next_cursor: null });
    expectProblem(await api.get("/courses/999999/students"), 404, "course_not_found");
  });
});
