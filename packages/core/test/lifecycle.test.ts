import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignCourses,
  type ChangeOrigin,
  type Course,
  createCourse,
  createStudent,
  createTerm,
  type DomainError,
  deleteStudent,
  deleteTerm,
  getCourse,
  getTerm,
  listCourseStudents,
  listCourses,
  listHistory,
  listStudentCourses,
  listStudents,
  listTerms,
  removeEnrollment,
  replaceCourses,
  type Student,
  updateCourse,
  updateEnrollment,
  updateStudent,
  updateTerm,
} from "../src/index.ts";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

let counter = 0;
async function student(name = "Student"): Promise<Student> {
  counter += 1;
  return createStudent(test.db, { name: `${name} ${counter}`, email: `life${counter}@example.org` });
}
async function course(fields: { capacity?: number | null; waitlistCapacity?: number } = {}): Promise<Course> {
  counter += 1;
  return createCourse(test.db, { name: `Course ${counter}`, level: "b", ...fields });
}

/** The domain error a call failed with (code and extras), or a failure of the test. */
async function refusal(work: Promise<unknown>): Promise<{ code: string; status: number; extras: unknown }> {
  try {
    await work;
  } catch (error) {
    const { code, status, extras } = error as DomainError;
    if (typeof code !== "string") throw error;
    return { code, status, extras };
  }
  throw new Error("expected a refusal");
}

async function historyCount(): Promise<number> {
  const result = await test.db.raw<{ rows: Array<{ n: number }> }>(
    "select count(*)::int as n from enrollment_history",
  );
  return result.rows[0]?.n ?? 0;
}

const admin: ChangeOrigin = { source: "rest", actor: { keyId: 7, role: "admin" } };

describe(`the enrollment lifecycle on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("waitlists only with waitlist: true and room; a full course without room writes nothing", async () => {
    const full = await course({ capacity: 1, waitlistCapacity: 2 });
    const [a, b, c, d] = [await student(), await student(), await student(), await student()];
    expect((await assignCourses(test.db, a.id, [full.id])).enrolled).toEqual([full.id]);

    const before = await historyCount();
    // a v1 client (no waitlist) sees course_full, as before
    expect(await refusal(assignCourses(test.db, b.id, [full.id]))).toMatchObject({
      code: "course_full",
      extras: { fullCourseIds: [full.id] },
    });
    const waitlisted = await assignCourses(test.db, b.id, [full.id], { waitlist: true });
    expect(waitlisted).toMatchObject({ enrolled: [], waitlisted: [full.id], alreadyEnrolled: [] });
    expect(waitlisted.courses[0]).toMatchObject({ id: full.id, status: "waitlisted", waitlistPosition: 1 });
    await assignCourses(test.db, c.id, [full.id], { waitlist: true });
    // the waitlist is full too: refused, nothing written
    expect(await refusal(assignCourses(test.db, d.id, [full.id], { waitlist: true }))).toMatchObject({
      code: "course_full",
    });
    expect(await historyCount()).toBe(before + 2);
    // naming a waitlisted pair again is not an error and changes nothing
    expect(await assignCourses(test.db, b.id, [full.id], { waitlist: true })).toMatchObject({
      enrolled: [],
      waitlisted: [],
      alreadyEnrolled: [full.id],
    });
    expect(await getCourse(test.db, full.id)).toMatchObject({ enrolledCount: 1, waitlistedCount: 2 });

    const waitlist = await listCourseStudents(test.db, full.id, { status: ["waitlisted"] });
    expect(waitlist.students.map((s) => [s.id, s.waitlistPosition])).toEqual([
      [b.id, 1],
      [c.id, 2],
    ]);
    // the default roster is the active students, as in v1
    expect((await listCourseStudents(test.db, full.id)).students.map((s) => s.id)).toEqual([a.id]);
    expect((await listCourseStudents(test.db, full.id, { status: "all" })).students).toHaveLength(3);
  });

  it("drops keep the record, promote the head of the waitlist, and write who did it", async () => {
    const full = await course({ capacity: 1, waitlistCapacity: 5 });
    const [a, b, c] = [await student(), await student(), await student()];
    await assignCourses(test.db, a.id, [full.id]);
    await assignCourses(test.db, b.id, [full.id], { waitlist: true });
    await assignCourses(test.db, c.id, [full.id], { waitlist: true });

    await removeEnrollment(test.db, a.id, full.id, { reason: "moved away", origin: admin });
    expect(await getCourse(test.db, full.id)).toMatchObject({ enrolledCount: 1, waitlistedCount: 1 });
    const roster = await listCourseStudents(test.db, full.id, { status: "all" });
    expect(roster.students.map((s) => [s.id, s.status, s.waitlistPosition])).toEqual([
      [a.id, "dropped", null],
      [b.id, "active", null],
      [c.id, "waitlisted", 1],
    ]);
    expect(roster.students[0]?.droppedAt).toEqual(expect.any(String));
    // a dropped pair is not there to drop again
    expect(await refusal(removeEnrollment(test.db, a.id, full.id))).toMatchObject({
      code: "enrollment_not_found",
    });

    const history = await listHistory(test.db, { courseId: full.id });
    expect(history.events.map((e) => [e.studentId, e.action, e.fromStatus, e.toStatus, e.source])).toEqual([
      [a.id, "enrolled", null, "active", "rest"],
      [b.id, "waitlisted", null, "waitlisted", "rest"],
      [c.id, "waitlisted", null, "waitlisted", "rest"],
      [a.id, "dropped", "active", "dropped", "rest"],
      [b.id, "promoted", "waitlisted", "active", "system"],
    ]);
    expect(history.events[3]).toMatchObject({ reason: "moved away", actor: { keyId: 7, role: "admin" } });
    expect(history.events[4]).toMatchObject({ reason: null, actor: { keyId: null, role: null } });

    // naming a dropped pair again reactivates it (a seat permitting) or waitlists it
    const again = await assignCourses(test.db, a.id, [full.id], { waitlist: true });
    expect(again).toMatchObject({ waitlisted: [full.id] });
    await removeEnrollment(test.db, b.id, full.id);
    const reactivated = await listHistory(test.db, { studentId: c.id, courseId: full.id });
    expect(reactivated.events.map((e) => e.action)).toEqual(["waitlisted", "promoted"]);
  });

  it("allows exactly the contract's transitions and refuses the others with from and to", async () => {
    const open = await course({ capacity: 1, waitlistCapacity: 3 });
    const [a, b, c] = [await student(), await student(), await student()];
    await assignCourses(test.db, a.id, [open.id]);
    await assignCourses(test.db, b.id, [open.id], { waitlist: true });
    await assignCourses(test.db, c.id, [open.id], { waitlist: true });

    expect(await refusal(updateEnrollment(test.db, b.id, open.id, { status: "completed" }))).toEqual({
      code: "invalid_transition",
      status: 409,
      extras: { from: "waitlisted", to: "completed" },
    });
    const completed = await updateEnrollment(test.db, a.id, open.id, {
      status: "completed",
      reason: "passed",
    });
    expect(completed).toMatchObject({ id: open.id, status: "completed", enrolledCount: 1 });
    // the completion freed the seat: b was promoted
    expect((await listCourseStudents(test.db, open.id)).students.map((s) => s.id)).toEqual([b.id]);
    expect(await refusal(updateEnrollment(test.db, a.id, open.id, { status: "dropped" }))).toMatchObject({
      extras: { from: "completed", to: "dropped" },
    });
    expect(await refusal(updateEnrollment(test.db, a.id, open.id, { status: "completed" }))).toMatchObject({
      extras: { from: "completed", to: "completed" },
    });
    expect(await updateEnrollment(test.db, c.id, open.id, { status: "dropped" })).toMatchObject({
      status: "dropped",
    });
    expect(await refusal(updateEnrollment(test.db, c.id, open.id, { status: "completed" }))).toMatchObject({
      extras: { from: "dropped", to: "completed" },
    });
    expect(await updateEnrollment(test.db, b.id, open.id, { status: "dropped" })).toMatchObject({
      status: "dropped",
    });
    const never = await student();
    expect(await refusal(updateEnrollment(test.db, never.id, open.id, { status: "dropped" }))).toMatchObject({
      code: "enrollment_not_found",
    });
    expect(await refusal(updateEnrollment(test.db, never.id, 999_999, { status: "dropped" }))).toMatchObject({
      code: "course_not_found",
    });
    // a completed pair named again becomes active again
    const back = await assignCourses(test.db, a.id, [open.id]);
    expect(back.enrolled).toEqual([open.id]);
    const pair = await listHistory(test.db, { studentId: a.id, courseId: open.id });
    expect(pair.events.map((e) => e.action)).toEqual(["enrolled", "completed", "reactivated"]);
    expect(pair.events[1]?.reason).toBe("passed");
  });

  it("a raised capacity promotes; a waitlist capacity under the count is refused", async () => {
    const small = await course({ capacity: 1, waitlistCapacity: 3 });
    const [a, b, c, d] = [await student(), await student(), await student(), await student()];
    await assignCourses(test.db, a.id, [small.id]);
    for (const s of [b, c, d]) await assignCourses(test.db, s.id, [small.id], { waitlist: true });
    expect(await refusal(updateCourse(test.db, small.id, { waitlistCapacity: 2 }))).toMatchObject({
      code: "waitlist_below_count",
      extras: { waitlistCapacity: 2, waitlistedCount: 3 },
    });
    expect(await updateCourse(test.db, small.id, { capacity: 3 })).toMatchObject({
      enrolledCount: 3,
      waitlistedCount: 1,
    });
    const active = await listCourseStudents(test.db, small.id);
    expect(active.students.map((s) => s.id)).toEqual([a.id, b.id, c.id]);
    expect(await updateCourse(test.db, small.id, { capacity: null })).toMatchObject({
      enrolledCount: 4,
      waitlistedCount: 0,
    });
  });

  it("PUT makes the named set current and drops the rest, keeping their records", async () => {
    const [x, y, z] = [await course(), await course(), await course({ capacity: 1, waitlistCapacity: 1 })];
    const [taker, s] = [await student(), await student()];
    await assignCourses(test.db, taker.id, [z.id]);
    await assignCourses(test.db, s.id, [x.id, y.id]);
    const replaced = await replaceCourses(test.db, s.id, [y.id, z.id], { waitlist: true });
    expect(replaced).toMatchObject({
      enrolled: [],
      waitlisted: [z.id],
      alreadyEnrolled: [y.id],
      removed: [x.id],
    });
    expect(replaced.courses.map((c) => [c.id, c.status])).toEqual([
      [y.id, "active"],
      [z.id, "waitlisted"],
    ]);
    const all = await listStudentCourses(test.db, s.id, { status: "all" });
    expect(all.courses.map((c) => [c.id, c.status])).toEqual([
      [x.id, "dropped"],
      [y.id, "active"],
      [z.id, "waitlisted"],
    ]);
    expect((await listStudentCourses(test.db, s.id)).courses.map((c) => c.id)).toEqual([y.id]);
    expect(
      (await listStudentCourses(test.db, s.id, { status: ["waitlisted", "dropped"] })).courses.map(
        (c) => c.id,
      ),
    ).toEqual([x.id, z.id]);
    // an empty PUT drops everything current
    expect((await replaceCourses(test.db, s.id, [])).removed).toEqual([y.id, z.id]);
  });

  it("history is complete: per pair a chain from null to the current status, one entry per change", async () => {
    // every pair written in this file: each entry's from is the previous entry's to, the
    // first starts from nothing, no entry repeats a status, the last is the current status
    const broken = await test.db.raw<{ rows: unknown[] }>(`
      with chained as (
        select h.*, lag(h.to_status) over (partition by h.student_id, h.course_id order by h.id) as previous,
               row_number() over (partition by h.student_id, h.course_id order by h.id desc) as from_end
        from enrollment_history h
      )
      select c.student_id, c.course_id, c.id from chained c
      join student_courses sc using (student_id, course_id)
      where c.from_status is distinct from c.previous
         or c.from_status = c.to_status
         or (c.from_end = 1 and c.to_status <> sc.status)`);
    expect(broken.rows).toEqual([]);
    const without = await test.db.raw<{ rows: unknown[] }>(`
      select sc.student_id, sc.course_id from student_courses sc
      where not exists (select 1 from enrollment_history h where h.student_id = sc.student_id and h.course_id = sc.course_id)`);
    expect(without.rows).toEqual([]);
    await expect(test.db.raw("update enrollment_history set reason = 'rewritten'")).rejects.toThrow(
      /append-only/,
    );
  });

  it("pages history by cursor; a pair that never existed is enrollment_not_found", async () => {
    const c = await course();
    const s = await student();
    await assignCourses(test.db, s.id, [c.id]);
    await removeEnrollment(test.db, s.id, c.id);
    await assignCourses(test.db, s.id, [c.id]);
    const first = await listHistory(test.db, { studentId: s.id, limit: 2 });
    expect(first.events.map((e) => e.action)).toEqual(["enrolled", "dropped"]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await listHistory(test.db, { studentId: s.id, limit: 2, cursor: first.nextCursor ?? "" });
    expect(rest).toMatchObject({ events: [{ action: "reactivated" }], nextCursor: null });
    const other = await course();
    expect(await refusal(listHistory(test.db, { studentId: s.id, courseId: other.id }))).toMatchObject({
      code: "enrollment_not_found",
    });
    expect(await refusal(listHistory(test.db, { courseId: 999_999 }))).toMatchObject({
      code: "course_not_found",
    });
  });

  it("deleting a student erases its enrollments and history and gives its seats to the waitlist", async () => {
    const full = await course({ capacity: 1, waitlistCapacity: 1 });
    const [a, b] = [await student(), await student()];
    await assignCourses(test.db, a.id, [full.id]);
    await assignCourses(test.db, b.id, [full.id], { waitlist: true });
    await deleteStudent(test.db, a.id);
    const left = await test.db("enrollment_history").where({ student_id: a.id }).count({ n: "*" });
    expect(Number(left[0]?.n)).toBe(0);
    expect(await getCourse(test.db, full.id)).toMatchObject({ enrolledCount: 1, waitlistedCount: 0 });
    expect((await listHistory(test.db, { studentId: b.id })).events.map((e) => e.action)).toEqual([
      "waitlisted",
      "promoted",
    ]);
  });
});

describe(`terms, codes, sourced ids and search on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("terms: CRUD, a missing parent or term is 422, a used term cannot be deleted", async () => {
    const year = await createTerm(test.db, {
      name: "2026/27",
      type: "schoolYear",
      startsOn: "2026-09-01",
      endsOn: "2027-06-30",
    });
    expect(year).toMatchObject({
      type: "schoolYear",
      startsOn: "2026-09-01",
      parentId: null,
      sourcedId: null,
    });
    const fall = await createTerm(test.db, {
      name: "Fall",
      type: "semester",
      startsOn: "2026-09-01",
      endsOn: "2026-12-20",
      parentId: year.id,
      sourcedId: "fall-2026",
    });
    expect(await getTerm(test.db, fall.id)).toEqual(fall);
    expect((await listTerms(test.db)).terms.map((t) => t.id)).toEqual(
      expect.arrayContaining([year.id, fall.id]),
    );
    expect(await updateTerm(test.db, fall.id, { name: "Fall 2026" })).toMatchObject({ name: "Fall 2026" });
    expect(await refusal(updateTerm(test.db, fall.id, { endsOn: "2026-08-01" }))).toMatchObject({
      code: "validation_failed",
    });
    expect(
      await refusal(
        createTerm(test.db, {
          name: "Orphan",
          startsOn: "2026-01-01",
          endsOn: "2026-02-01",
          parentId: 999_999,
        }),
      ),
    ).toMatchObject({ code: "term_not_found", status: 422, extras: { termId: 999_999 } });
    expect(
      await refusal(
        createTerm(test.db, {
          name: "Twin",
          startsOn: "2026-01-01",
          endsOn: "2026-02-01",
          sourcedId: "fall-2026",
        }),
      ),
    ).toMatchObject({ code: "sourced_id_taken" });

    const algebra = await createCourse(test.db, {
      name: "Algebra",
      level: "b",
      code: "ALG-1",
      termId: fall.id,
    });
    expect(algebra).toMatchObject({
      code: "ALG-1",
      termId: fall.id,
      waitlistCapacity: 0,
      waitlistedCount: 0,
    });
    expect(await refusal(createCourse(test.db, { name: "Lost", level: "b", termId: 999_999 }))).toMatchObject(
      { code: "term_not_found", status: 422 },
    );
    expect(await refusal(deleteTerm(test.db, fall.id))).toMatchObject({ code: "term_in_use" });
    expect(await refusal(deleteTerm(test.db, year.id))).toMatchObject({ code: "term_in_use" });
    await updateCourse(test.db, algebra.id, { termId: null });
    await deleteTerm(test.db, fall.id);
    expect(await refusal(getTerm(test.db, fall.id))).toMatchObject({ code: "term_not_found", status: 404 });
  });

  it("sourced ids are unique per resource type when set", async () => {
    const s = await student();
    await updateStudent(test.db, s.id, { sourcedId: "user-1" });
    const other = await student();
    expect(await refusal(updateStudent(test.db, other.id, { sourcedId: "user-1" }))).toMatchObject({
      code: "sourced_id_taken",
    });
    // the same external id on another resource type is fine
    expect((await createCourse(test.db, { name: "C", level: "b", sourcedId: "user-1" })).sourcedId).toBe(
      "user-1",
    );
  });

  it("searches over all rows, case-insensitively, taking the text literally", async () => {
    await createStudent(test.db, { name: "Grace Hopper", email: "grace@navy.example" });
    await createStudent(test.db, { name: "Hopper 100%", email: "percent@example.org" });
    await createStudent(test.db, { name: "Hopper 1000", email: "zeroes@example.org" });
    expect((await listStudents(test.db, { q: "HOPPER" })).students).toHaveLength(3);
    expect((await listStudents(test.db, { q: "NAVY" })).students.map((s) => s.name)).toEqual([
      "Grace Hopper",
    ]);
    expect((await listStudents(test.db, { q: "100%" })).students.map((s) => s.name)).toEqual(["Hopper 100%"]);
    const firstPage = await listStudents(test.db, { q: "hopper", limit: 2 });
    const secondPage = await listStudents(test.db, {
      q: "hopper",
      limit: 2,
      cursor: firstPage.nextCursor ?? "",
    });
    expect([...firstPage.students, ...secondPage.students]).toHaveLength(3);

    const term = await createTerm(test.db, { name: "Spring", startsOn: "2027-01-10", endsOn: "2027-05-30" });
    const a = await createCourse(test.db, { name: "Algebra", level: "b", code: "SPR-ALG", termId: term.id });
    await createCourse(test.db, { name: "Algebra", level: "b", code: "OTHER" });
    expect((await listCourses(test.db, { q: "spr-alg" })).courses.map((c) => c.id)).toEqual([a.id]);
    expect((await listCourses(test.db, { q: "algebra", termId: term.id })).courses.map((c) => c.id)).toEqual([
      a.id,
    ]);
    expect((await listCourses(test.db, { termId: term.id })).courses.map((c) => c.id)).toEqual([a.id]);
  });
});
