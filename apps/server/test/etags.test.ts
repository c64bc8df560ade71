import { assignCourses, createCourse, removeEnrollment, updateEnrollment } from "@registrar/core";
import { describe, expect, it } from "vitest";
import { type CourseBody, expectProblem, makeCourse, makeStudent, useTestServer } from "./http-client.ts";

const context = useTestServer();
const api = context.api;
const ifMatch = (tag: string) => ({ headers: { "if-match": tag } });

function etagOf(answer: { headers: Headers; text: string }): string {
  const tag = answer.headers.get("etag");
  expect(tag, answer.text).toMatch(/^"[\w-]+"$/);
  return tag as string;
}

describe(`ETags and conditional requests on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("tags a student strongly; If-None-Match answers 304 without a body; HEAD carries the tag", async () => {
    const student = await makeStudent(api);
    const read = await api.get(`/students/${student.id}`);
    const tag = etagOf(read);
    const notModified = await api.send("GET", `/students/${student.id}`, undefined, {
      headers: { "if-none-match": `"other", ${tag}` },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe("");
    expect(notModified.headers.get("etag")).toBe(tag);
    expect(
      (await api.send("GET", `/students/${student.id}`, undefined, { headers: { "if-none-match": "*" } }))
        .status,
    ).toBe(304);
    expect(
      (await api.send("GET", `/students/${student.id}`, undefined, { headers: { "if-none-match": '"x"' } }))
        .status,
    ).toBe(200);
    const head = await api.send("HEAD", `/students/${student.id}`);
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(tag);
  });

  it("refuses a PATCH or DELETE with a stale If-Match (412, nothing written) and tags the answer of a current one", async () => {
    const student = await makeStudent(api, "Before");
    const tag = etagOf(await api.get(`/students/${student.id}`));
    const changed = await api.send("PATCH", `/students/${student.id}`, { name: "After" }, ifMatch(tag));
    expect(changed.status, changed.text).toBe(200);
    const newTag = etagOf(changed);
    expect(newTag).not.toBe(tag);
    expect(etagOf(await api.get(`/students/${student.id}`))).toBe(newTag);

    expectProblem(
      await api.send("PATCH", `/students/${student.id}`, { name: "Lost update" }, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    expectProblem(
      await api.send("DELETE", `/students/${student.id}`, undefined, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    // A weak tag never matches If-Match (strong comparison).
    expectProblem(
      await api.send("PATCH", `/students/${student.id}`, { name: "Weak" }, ifMatch(`W/${newTag}`)),
      412,
      "precondition_failed",
    );
    const still = await api.get<{ name: string }>(`/students/${student.id}`);
    expect(still.body.name).toBe("After");
    expect((await api.send("DELETE", `/students/${student.id}`, undefined, ifMatch(newTag))).status).toBe(
      204,
    );
    // Gone: the answer without the condition (404), not 412.
    expectProblem(
      await api.send("DELETE", `/students/${student.id}`, undefined, ifMatch(newTag)),
      404,
      "student_not_found",
    );
  });

  it("changes a course's tag when its enrolled count changes, and honours If-Match on its writes", async () => {
    const course = await makeCourse(api, { capacity: 10 });
    const tag = etagOf(await api.get(`/courses/${course.id}`));
    const student = await makeStudent(api);
    await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] });
    const after = await api.get<CourseBody>(`/courses/${course.id}`);
    expect(after.body.enrolled_count).toBe(1);
    expect(etagOf(after)).not.toBe(tag);
    expectProblem(
      await api.send("PATCH", `/courses/${course.id}`, { capacity: 20 }, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    expectProblem(
      await api.send("DELETE", `/courses/${course.id}`, undefined, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    const patched = await api.send<CourseBody>(
      "PATCH",
      `/courses/${course.id}`,
      { capacity: 20 },
      ifMatch(etagOf(after)),
    );
    expect(patched.status, patched.text).toBe(200);
    expect(etagOf(patched)).toBe(etagOf(await api.get(`/courses/${course.id}`)));
  });

  it("changes the enrollment-set tag with every enrollment change, tags write answers, and refuses stale writes", async () => {
    const student = await makeStudent(api);
    const [a, b] = [await makeCourse(api), await makeCourse(api)];
    const path = `/students/${student.id}/courses`;
    const empty = etagOf(await api.get(path));
    const notModified = await api.send("GET", path, undefined, { headers: { "if-none-match": empty } });
    expect(notModified.status).toBe(304);

    const assigned = await api.send("POST", path, { course_ids: [a?.id] }, ifMatch(empty));
    expect(assigned.status, assigned.text).toBe(201);
    const afterAssign = etagOf(assigned);
    expect(afterAssign).not.toBe(empty);
    expect(etagOf(await api.get(path))).toBe(afterAssign);
    expect(etagOf(await api.get(`${path}?limit=1`))).toBe(afterAssign);

    // Stale: nothing is written, whatever the write.
    for (const [method, body, at] of [
      ["POST", { course_ids: [b?.id] }, path],
      ["PUT", { course_ids: [b?.id] }, path],
      ["DELETE", undefined, `${path}/${a?.id}`],
    ] as const) {
      expectProblem(await api.send(method, at, body, ifMatch(empty)), 412, "precondition_failed");
    }
    const list = await api.get<{ courses: Array<{ id: number }> }>(path);
    expect(list.body.courses.map((course) => course.id)).toEqual([a?.id]);
    expect(etagOf(list)).toBe(afterAssign);

    // A plain write keeps its own statements: no tag on its answer.
    const plain = await api.post(path, { course_ids: [a?.id] });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("etag")).toBeNull();
    // Assigning what is already there changes nothing: the tag stays.
    const again = await api.send("POST", path, { course_ids: [a?.id] }, ifMatch(afterAssign));
    expect(again.status).toBe(200);
    expect(etagOf(again)).toBe(afterAssign);

    const dropped = await api.send("DELETE", `${path}/${a?.id}`, undefined, ifMatch(afterAssign));
    expect(dropped.status, dropped.text).toBe(204);
    const afterDrop = etagOf(dropped);
    expect(afterDrop).not.toBe(afterAssign);
    expect(afterDrop).not.toBe(empty);
    expect(etagOf(await api.get(path))).toBe(afterDrop);
  });

  it("reads a student's courses and their tag in one statement", async () => {
    const db = context.server.database.db;
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    const path = `/students/${student.id}/courses`;
    const assigned = await api.send(
      "POST",
      path,
      { course_ids: [course.id] },
      ifMatch(etagOf(await api.get(path))),
    );
    // Statements about enrollments only: the server's relay may poll its own tables meanwhile.
    const sent: string[] = [];
    const listener = (query: { sql: string }) => {
      if (/student_courses|student_enrollment_versions/.test(query.sql)) sent.push(query.sql);
    };
    db.on("query", listener);
    let read: Awaited<ReturnType<typeof api.get>>;
    try {
      read = await api.get(path);
    } finally {
      db.off("query", listener);
    }
    expect(sent).toHaveLength(1);
    expect(etagOf(read)).toBe(etagOf(assigned));
  });

  it("changes the enrollment-set tag with every lifecycle change: waitlisting, promotion, completion", async () => {
    const db = context.server.database.db;
    const course = await createCourse(db, {
      name: "Seminar",
      level: "any",
      capacity: 1,
      waitlistCapacity: 5,
    });
    const [first, second] = [await makeStudent(api), await makeStudent(api)];
    const tagOf = async (id: number) => etagOf(await api.get(`/students/${id}/courses?status=all`));
    await assignCourses(db, first.id, [course.id]);
    const before = await tagOf(second.id);
    await assignCourses(db, second.id, [course.id], { waitlist: true });
    const waitlisted = await tagOf(second.id);
    expect(waitlisted).not.toBe(before);
    // The first drops: the second is promoted from the waitlist, in the same transaction.
    const firstBefore = await tagOf(first.id);
    await removeEnrollment(db, first.id, course.id);
    expect(await tagOf(first.id)).not.toBe(firstBefore);
    const promoted = await tagOf(second.id);
    expect(promoted).not.toBe(waitlisted);
    await updateEnrollment(db, second.id, course.id, { status: "completed" });
    expect(await tagOf(second.id)).not.toBe(promoted);
  });

  it("lets exactly one of two racing PUTs with the same If-Match win; the other is 412 (many rounds)", async () => {
    const student = await makeStudent(api);
    const courses = [await makeCourse(api), await makeCourse(api), await makeCourse(api)];
    const path = `/students/${student.id}/courses`;
    for (let round = 0; round < 20; round++) {
      const current = await api.get<{ courses: Array<{ id: number }> }>(path);
      const tag = etagOf(current);
      // Two sets that both differ from the current one: each PUT changes something.
      const held = new Set(current.body.courses.map((course) => course.id));
      const [x, y] = courses.filter((course) => !held.has(course.id));
      const [first, second] = await Promise.all([
        api.send("PUT", path, { course_ids: [x?.id] }, ifMatch(tag)),
        api.send("PUT", path, { course_ids: [y?.id] }, ifMatch(tag)),
      ]);
      const statuses = [first?.status, second?.status].sort();
      expect(statuses, `${first?.text} ${second?.text}`).toEqual([200, 412]);
      const winner = first?.status === 200 ? first : second;
      expect(etagOf(await api.get(path))).toBe(winner?.headers.get("etag"));
    }
  });

  it("lets exactly one of two racing PATCHes of a student with the same If-Match win (many rounds)", async () => {
    const student = await makeStudent(api);
    for (let round = 0; round < 20; round++) {
      const tag = etagOf(await api.get(`/students/${student.id}`));
      const answers = await Promise.all([
        api.send("PATCH", `/students/${student.id}`, { name: `A ${round}` }, ifMatch(tag)),
        api.send("PATCH", `/students/${student.id}`, { name: `B ${round}` }, ifMatch(tag)),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
    }
  });
});

describe(`ETags on terms and the enrollment PATCH (${process.env.REGISTRAR_TEST_DB ?? "pglite"})`, () => {
  it("tags a term; 304 on a match; a stale If-Match on PATCH or DELETE is 412 and writes nothing", async () => {
    const created = await api.post("/terms", {
      name: "Autumn 2026",
      starts_on: "2026-09-01",
      ends_on: "2026-12-20",
    });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { id: number }).id;
    const tag = etagOf(await api.get(`/terms/${id}`));
    const notModified = await api.send("GET", `/terms/${id}`, undefined, {
      headers: { "if-none-match": tag },
    });
    expect(notModified.status).toBe(304);
    const renamed = await api.send("PATCH", `/terms/${id}`, { name: "Fall 2026" }, ifMatch(tag));
    expect(renamed.status, renamed.text).toBe(200);
    expect(etagOf(renamed)).not.toBe(tag);
    expectProblem(
      await api.send("PATCH", `/terms/${id}`, { name: "Lost" }, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    expectProblem(
      await api.send("DELETE", `/terms/${id}`, undefined, ifMatch(tag)),
      412,
      "precondition_failed",
    );
    expect((await api.get(`/terms/${id}`)).body).toMatchObject({ name: "Fall 2026" });
  });

  it("a completion under /students/{id}/courses/{course_id} honours If-Match against the enrollment set's tag", async () => {
    const student = await makeStudent(api);
    const course = await makeCourse(api);
    expect((await api.post(`/students/${student.id}/courses`, { course_ids: [course.id] })).status).toBe(201);
    const tag = etagOf(await api.get(`/students/${student.id}/courses`));
    const completed = await api.send(
      "PATCH",
      `/students/${student.id}/courses/${course.id}`,
      { status: "completed" },
      ifMatch(tag),
    );
    expect(completed.status, completed.text).toBe(200);
    expectProblem(
      await api.send(
        "PATCH",
        `/students/${student.id}/courses/${course.id}`,
        { status: "dropped" },
        ifMatch(tag),
      ),
      412,
      "precondition_failed",
    );
    const all = await api.get(`/students/${student.id}/courses?status=all`);
    expect((all.body as { courses: Array<{ status: string }> }).courses.map((c) => c.status)).toEqual([
      "completed",
    ]);
  });
});
