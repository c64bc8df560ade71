import { describe, expect, it } from "vitest";
import { type CourseBody, makeCourse, makeStudent, useTestServer } from "./http-client.ts";

const context = useTestServer();
const api = context.api;

describe(`concurrent assignments on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("admits exactly 5 of 50 simultaneous assignments to a course of capacity 5, never a 500", async () => {
    const course = await makeCourse(api, { name: "Tiny seminar", capacity: 5 });
    const students = [];
    for (let i = 0; i < 50; i++) students.push(await makeStudent(api, `Rush ${i}`));

    const answers = await Promise.all(
      students.map((student) => api.post(`/students/${student.id}/courses`, { course_ids: [course.id] })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 409)).toHaveLength(45);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body).toMatchObject({ code: "course_full", full_course_ids: [course.id] });
    }
    const after = await api.get<CourseBody>(`/courses/${course.id}`);
    expect(after.body.enrolled_count).toBe(5);
    const roster = await api.get<{ students: unknown[] }>(`/courses/${course.id}/students`);
    expect(roster.body.students).toHaveLength(5);
  });

  it("never deadlocks when multi-course assignments name the same courses in opposite orders", async () => {
    const courses: CourseBody[] = [];
    for (let i = 0; i < 4; i++) courses.push(await makeCourse(api, { name: `Shared ${i}`, capacity: 15 }));
    const ids = courses.map((course) => course.id);
    const students = [];
    for (let i = 0; i < 24; i++) students.push(await makeStudent(api, `Order ${i}`));

    const answers = await Promise.all(
      students.map((student, index) =>
        api.post(`/students/${student.id}/courses`, { course_ids: index % 2 ? [...ids].reverse() : ids }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(statuses.filter((status) => status === 201)).toHaveLength(15);
    for (const id of ids) {
      expect((await api.get<CourseBody>(`/courses/${id}`)).body.enrolled_count).toBe(15);
    }
  });

  it("keeps one student's set consistent under concurrent assign, replace and remove", async () => {
    const student = await makeStudent(api);
    const courses: CourseBody[] = [];
    for (let i = 0; i < 3; i++) courses.push(await makeCourse(api, { name: `Storm ${i}` }));
    const ids = courses.map((course) => course.id);
    const calls = [];
    for (let round = 0; round < 10; round++) {
      calls.push(api.post(`/students/${student.id}/courses`, { course_ids: ids }));
      calls.push(api.delete(`/students/${student.id}/courses/${ids[round % 3]}`));
      calls.push(api.put(`/students/${student.id}/courses`, { course_ids: ids.slice(0, 1 + (round % 3)) }));
    }
    const answers = await Promise.all(calls);
    for (const answer of answers) {
      expect([200, 201, 204, 404]).toContain(answer.status);
      if (answer.status === 404) expect(answer.body).toMatchObject({ code: "enrollment_not_found" });
    }
    const listed = await api.get<{ courses: Array<{ id: number; enrolled_count: number }> }>(
      `/students/${student.id}/courses`,
    );
    for (const course of listed.body.courses) expect(course.enrolled_count).toBe(1);
  });
});
