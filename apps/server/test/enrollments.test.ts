import { describe, expect, it } from "vitest";
import { type CourseBody, expectProblem, makeCourse, makeStudent, useTestServer } from "./http-client.ts";

const context = useTestServer();
const api = context.api;

type EnrolledCourse = CourseBody & { enrolled_at: string };
type Assignment = {
  student_id: number;
  enrolled: number[];
  already_enrolled: number[];
  courses: EnrolledCourse[];
  removed?: number[];
};

async function courseIdsOf(studentId: number): Promise<number[]> {
  const answer = await api.get<{ courses: EnrolledCourse[] }>(`/students/${studentId}/courses?limit=200`);
  return answer.body.courses.map((course) => course.id);
}

describe("POST /students/{id}/courses (the seed's scenarios)", () => {
  it("assigns several courses at once: 201, enrolled ids, the resulting list", async () => {
    const student = await makeStudent(api);
    const algebra = await makeCourse(api, { name: "Algebra", capacity: 30 });
    const physics = await makeCourse(api, { name: "Physics" });
    const answer = await api.post<Assignment>(`/students/${student.id}/courses`, {
      course_ids: [physics.id, algebra.id, physics.id],
    });
    expect(answer.status).toBe(201);
    expect(answer.body.student_id).toBe(student.id);
    expect(answer.body.enrolled).toEqual([algebra.id, physics.id]);
    expect(answer.body.already_enrolled).toEqual([]);
    expect(answer.body.courses.map((c) => c.id)).toEqual([algebra.id, physics.id]);
    expect(answer.body.courses[0]).toEqual({
      ...algebra,
      enrolled_count: 1,
      enrolled_at: expect.any(String),
      status: "active",
      waitlist_position: null,
      begin_date: null,
      end_date: null,
      dropped_at: null,
    });
  });

  it("is not an error to assign an existing enrollment again: 200 when nothing is new", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    const other = await makeCourse(api, { name: "Chemistry" });
    expect((await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] })).status).toBe(201);
    const again = await api.post<Assignment>(`/students/${student.id}/courses`, { course_ids: [course.id] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ enrolled: [], already_enrolled: [course.id] });
    const mixed = await api.post<Assignment>(`/students/${student.id}/courses`, {
      course_ids: [course.id, other.id],
    });
    expect(mixed.status).toBe(201);
    expect(mixed.body).toMatchObject({ enrolled: [other.id], already_enrolled: [course.id] });
    expect(mixed.body.courses).toHaveLength(2);
  });

  it("answers 422 course_not_found with every missing id and writes nothing", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    const problem = expectProblem(
      await api.post(`/students/${student.id}/courses`, { course_ids: [course.id, 888888, 777777] }),
      422,
      "course_not_found",
    );
    expect(problem.missing_course_ids).toEqual([777777, 888888]);
    expect(await courseIdsOf(student.id)).toEqual([]);
    expect((await api.get<CourseBody>(`/courses/${course.id}`)).body.enrolled_count).toBe(0);
  });

  it("answers 409 course_full with the full ids and writes nothing", async () => {
    const full = await makeCourse(api, { name: "Astronomy Lab", capacity: 1 });
    const open = await makeCourse(api, { name: "Biology" });
    const first = await makeStudent(api);
    await api.post(`/students/${first.id}/courses`, { course_ids: [full.id] });
    const student = await makeStudent(api);
    const problem = expectProblem(
      await api.post(`/students/${student.id}/courses`, { course_ids: [open.id, full.id] }),
      409,
      "course_full",
    );
    expect(problem.full_course_ids).toEqual([full.id]);
    expect(await courseIdsOf(student.id)).toEqual([]);
    // a student already in the full course may assign it again
    const again = await api.post<Assignment>(`/students/${first.id}/courses`, {
      course_ids: [full.id, open.id],
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ enrolled: [open.id], already_enrolled: [full.id] });
  });

  it("answers 404 student_not_found for a missing student, before looking at courses", async () => {
    const problem = expectProblem(
      await api.post("/students/999999/courses", { course_ids: [999998] }),
      404,
      "student_not_found",
    );
    expect(problem.student_id).toBe(999999);
  });

  it.each([
    ["no course_ids", {}, "course_ids"],
    ["an empty list", { course_ids: [] }, "course_ids"],
    ["1001 ids", { course_ids: Array.from({ length: 1001 }, (_, i) => i + 1) }, "course_ids"],
    ["a string id", { course_ids: ["1"] }, "course_ids.0"],
    ["a zero id", { course_ids: [1, 0] }, "course_ids.1"],
    ["a fractional id", { course_ids: [1.5] }, "course_ids.0"],
    ["an id above 2147483647", { course_ids: [2147483648] }, "course_ids.0"],
    ["camelCase courseIds", { courseIds: [1] }, "courseIds"],
  ])("refuses %s with 400 validation_failed", async (_, body, path) => {
    const student = await makeStudent(api);
    const problem = expectProblem(
      await api.post(`/students/${student.id}/courses`, body),
      400,
      "validation_failed",
    );
    expect((problem.errors as Array<{ path: string }>).map((e) => e.path)).toContain(path);
  });

  it("assigns 1000 ids in one request (duplicates collapsed)", async () => {
    const student = await makeStudent(api);
    const courses: number[] = [];
    for (let i = 0; i < 20; i++) courses.push((await makeCourse(api, { name: `Bulk ${i}` })).id);
    const ids = Array.from({ length: 1000 }, (_, i) => courses[i % courses.length] as number);
    const answer = await api.post<Assignment>(`/students/${student.id}/courses`, { course_ids: ids });
    expect(answer.status).toBe(201);
    expect(answer.body.enrolled).toEqual([...courses].sort((a, b) => a - b));
  });
});

describe("GET /students/{id}/courses", () => {
  it("lists by course id with enrolled_at, paged", async () => {
    const student = await makeStudent(api);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await makeCourse(api, { name: `List ${i}` })).id);
    await api.post(`/students/${student.id}/courses`, { course_ids: [...ids].reverse() });
    const first = await api.get<{ student_id: number; courses: EnrolledCourse[]; next_cursor: string }>(
      `/students/${student.id}/courses?limit=2`,
    );
    expect(first.status).toBe(200);
    expect(first.body.student_id).toBe(student.id);
    expect(first.body.courses.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.body.courses[0]?.enrolled_at).toEqual(expect.any(String));
    const rest = await api.get<{ courses: EnrolledCourse[]; next_cursor: string | null }>(
      `/students/${student.id}/courses?limit=3&cursor=${first.body.next_cursor}`,
    );
    expect(rest.body.courses.map((c) => c.id)).toEqual(ids.slice(2));
    expect(rest.body.next_cursor).toBeNull();
  });

  it("answers an empty list for a student without courses, 404 for a missing one", async () => {
    const student = await makeStudent(api);
    expect((await api.get(`/students/${student.id}/courses`)).body).toEqual({
      student_id: student.id,
      courses: [],
      next_cursor: null,
    });
    expectProblem(await api.get("/students/999999/courses"), 404, "student_not_found");
    expectProblem(await api.get(`/students/${student.id}/courses?limit=0`), 400, "validation_failed");
  });
});

describe("PUT /students/{id}/courses", () => {
  it("replaces the whole set: enrolled = added, removed = dropped", async () => {
    const student = await makeStudent(api);
    const [a, b, c] = [await makeCourse(api), await makeCourse(api), await makeCourse(api)];
    if (!a || !b || !c) throw new Error("setup");
    await api.post(`/students/${student.id}/courses`, { course_ids: [a.id, b.id] });
    const answer = await api.put<Assignment>(`/students/${student.id}/courses`, {
      course_ids: [b.id, c.id, c.id],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      student_id: student.id,
      enrolled: [c.id],
      already_enrolled: [b.id],
      removed: [a.id],
    });
    expect(answer.body.courses.map((course) => course.id)).toEqual([b.id, c.id]);
    expect(await courseIdsOf(student.id)).toEqual([b.id, c.id]);
  });

  it("clears every course with an empty list", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    const answer = await api.put<Assignment>(`/students/${student.id}/courses`, { course_ids: [] });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      enrolled: [],
      already_enrolled: [],
      removed: [course.id],
      courses: [],
    });
  });

  it("is atomic: a missing or full course leaves the old set untouched", async () => {
    const student = await makeStudent(api);
    const kept = await makeCourse(api);
    const full = await makeCourse(api, { capacity: 1 });
    await api.post(`/students/${(await makeStudent(api)).id}/courses`, { course_ids: [full.id] });
    await api.post(`/students/${student.id}/courses`, { course_ids: [kept.id] });

    const missing = expectProblem(
      await api.put(`/students/${student.id}/courses`, { course_ids: [999991] }),
      422,
      "course_not_found",
    );
    expect(missing.missing_course_ids).toEqual([999991]);
    const problem = expectProblem(
      await api.put(`/students/${student.id}/courses`, { course_ids: [full.id] }),
      409,
      "course_full",
    );
    expect(problem.full_course_ids).toEqual([full.id]);
    expect(await courseIdsOf(student.id)).toEqual([kept.id]);
  });

  it("refuses 1001 ids and a missing student", async () => {
    const student = await makeStudent(api);
    expectProblem(
      await api.put(`/students/${student.id}/courses`, {
        course_ids: Array.from({ length: 1001 }, (_, i) => i + 1),
      }),
      400,
      "validation_failed",
    );
    expectProblem(await api.put("/students/999999/courses", { course_ids: [] }), 404, "student_not_found");
  });
});

describe("DELETE /students/{id}/courses/{course_id}", () => {
  it("removes one course: 204, and the seat is free again", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api, { capacity: 1 });
    const other = await makeCourse(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id, other.id] });
    const removed = await api.delete(`/students/${student.id}/courses/${course.id}`);
    expect(removed.status).toBe(204);
    expect(await courseIdsOf(student.id)).toEqual([other.id]);
    const next = await makeStudent(api);
    expect((await api.post(`/students/${next.id}/courses`, { course_ids: [course.id] })).status).toBe(201);
  });

  it("answers enrollment_not_found, student_not_found and course_not_found precisely", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    const problem = expectProblem(
      await api.delete(`/students/${student.id}/courses/${course.id}`),
      404,
      "enrollment_not_found",
    );
    expect(problem).toMatchObject({ student_id: student.id, course_id: course.id });
    expectProblem(await api.delete(`/students/999999/courses/${course.id}`), 404, "student_not_found");
    const missingCourse = expectProblem(
      await api.delete(`/students/${student.id}/courses/999999`),
      404,
      "course_not_found",
    );
    expect(missingCourse.course_id).toBe(999999);
    const bad = expectProblem(
      await api.delete(`/students/${student.id}/courses/abc`),
      400,
      "validation_failed",
    );
    expect(bad.errors).toEqual([expect.objectContaining({ path: "course_id" })]);
  });
});

describe("ids in a body are plain decimal integers, like ids in a path", () => {
  it.each(["1e3", "1.0", "10.5", "-1", "1E2", "2e0"])(
    "refuses course_ids [%s] with 400 naming the element",
    async (id) => {
      const student = await makeStudent(api);
      const answer = await api.send("POST", `/students/${student.id}/courses`, undefined, {
        raw: `{"course_ids": [${id}]}`,
        headers: { "content-type": "application/json" },
      });
      const problem = expectProblem(answer, 400, "validation_failed");
      expect(problem.errors).toEqual([expect.objectContaining({ path: "course_ids.0" })]);
    },
  );

  it("keeps such characters inside strings untouched", async () => {
    const answer = await api.send("POST", "/courses", undefined, {
      raw: '{"name": "Physics 1.0e3 \\" 2.5", "level": "1e3", "capacity": 12}',
      headers: { "content-type": "application/json" },
    });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({ name: 'Physics 1.0e3 " 2.5', level: "1e3", capacity: 12 });
  });
});
