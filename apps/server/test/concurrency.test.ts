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

describe(`every enrollment writer at once on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("assign, replace, remove, capacity changes and cascading deletes: no deadlock, counts exact", async () => {
    // A fixed pseudo-random sequence, so a failure replays the same storm.
    let seed = 20261127;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    const pick = <T>(items: T[], count: number): T[] =>
      Array.from({ length: count }, () => items[random(items.length)]).filter(
        (item): item is T => item !== undefined,
      );

    const courses: CourseBody[] = [];
    for (const capacity of [3, 4, 6, null, null, 8])
      courses.push(await makeCourse(api, { name: "Mixed", capacity }));
    const students = [];
    for (let i = 0; i < 16; i++) students.push(await makeStudent(api, `Mixed ${i}`));
    const courseIds = courses.map((course) => course.id);
    const studentIds = students.map((student) => student.id);
    // two students and one course are deleted while the others write around them
    const [doomedCourse] = pick(courseIds.slice(3), 1);
    const doomedStudents = studentIds.slice(0, 2);

    const calls: Array<Promise<{ status: number; text: string }>> = [];
    for (let round = 0; round < 12; round++) {
      for (const studentId of studentIds) {
        const ids = pick(courseIds, 1 + random(4));
        const kind = random(4);
        if (kind === 0) calls.push(api.post(`/students/${studentId}/courses`, { course_ids: ids }));
        else if (kind === 1) calls.push(api.put(`/students/${studentId}/courses`, { course_ids: ids }));
        else if (kind === 2) calls.push(api.delete(`/students/${studentId}/courses/${ids[0]}`));
        else calls.push(api.patch(`/courses/${ids[0]}`, { capacity: 2 + random(8) }));
      }
      if (round === 4) {
        for (const studentId of doomedStudents) calls.push(api.delete(`/students/${studentId}`));
        calls.push(api.delete(`/courses/${doomedCourse}`));
      }
    }
    const answers = await Promise.all(calls);
    for (const answer of answers) expect([200, 201, 204, 404, 409], answer.text).toContain(answer.status);

    for (const id of courseIds) {
      const course = await api.get<CourseBody>(`/courses/${id}`);
      if (id === doomedCourse) {
        expect(course.status).toBe(404);
        continue;
      }
      const roster = await api.get<{ students: unknown[] }>(`/courses/${id}/students?limit=200`);
      expect(course.body.enrolled_count).toBe(roster.body.students.length);
      if (course.body.capacity !== null)
        expect(course.body.enrolled_count).toBeLessThanOrEqual(course.body.capacity);
    }
  });
});

describe(`cascading deletes on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("deleting students and their courses at the same time: every delete answers 204, nothing left", async () => {
    for (let round = 0; round < 3; round++) {
      const courses: CourseBody[] = [];
      for (let i = 0; i < 6; i++) courses.push(await makeCourse(api, { name: `Cascade ${i}` }));
      const courseIds = courses.map((course) => course.id);
      const students = [];
      for (let i = 0; i < 10; i++) {
        const student = await makeStudent(api, `Cascade ${i}`);
        expect((await api.post(`/students/${student.id}/courses`, { course_ids: courseIds })).status).toBe(
          201,
        );
        students.push(student);
      }
      const answers = await Promise.all([
        ...students.map((student) => api.delete(`/students/${student.id}`)),
        ...courseIds.map((id) => api.delete(`/courses/${id}`)),
      ]);
      for (const answer of answers) expect(answer.status, answer.text).toBe(204);
      for (const student of students) expect((await api.get(`/students/${student.id}`)).status).toBe(404);
      for (const id of courseIds) expect((await api.get(`/courses/${id}`)).status).toBe(404);
    }
  });
});
