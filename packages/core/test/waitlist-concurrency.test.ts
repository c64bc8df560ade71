import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignCourses,
  createCourse,
  createStudent,
  DomainError,
  getCourse,
  listCourseStudents,
  listHistory,
  removeEnrollment,
} from "../src/index.ts";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

const database = process.env.REGISTRAR_TEST_DB ?? "pglite";
/** PGlite runs one transaction at a time; PostgreSQL really interleaves them, so it gets more rounds. */
const ROUNDS = database === "postgres" ? 12 : 4;

let counter = 0;
async function students(n: number): Promise<number[]> {
  counter += 1;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      (await createStudent(test.db, { name: `Racer ${i}`, email: `racer${i}.${counter}@example.org` })).id,
    );
  }
  return ids;
}

/** The whole waitlist of a course, in its order, with positions. */
async function waitlistOf(courseId: number): Promise<Array<{ id: number; position: number | null }>> {
  const page = await listCourseStudents(test.db, courseId, { status: ["waitlisted"], limit: 200 });
  return page.students.map((s) => ({ id: s.id, position: s.waitlistPosition }));
}

describe(`waitlists under concurrency on ${database}`, () => {
  it("100 concurrent joins into 5 seats and 50 places: exactly 5 active, 50 waitlisted, positions 1..50", async () => {
    const totals = { rounds: 0, admitted: 0, waitlisted: 0, refused: 0, unexpected: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const course = await createCourse(test.db, {
        name: `Race ${round}`,
        level: "b",
        capacity: 5,
        waitlistCapacity: 50,
      });
      const racers = await students(100);
      const outcomes = await Promise.allSettled(
        racers.map((id) => assignCourses(test.db, id, [course.id], { waitlist: true })),
      );
      let admitted = 0;
      let waitlisted = 0;
      let refused = 0;
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") {
          admitted += outcome.value.enrolled.length;
          waitlisted += outcome.value.waitlisted.length;
        } else if (outcome.reason instanceof DomainError && outcome.reason.code === "course_full") {
          refused += 1;
        } else {
          totals.unexpected += 1;
        }
      }
      expect({ admitted, waitlisted, refused }).toEqual({ admitted: 5, waitlisted: 50, refused: 45 });
      expect(await getCourse(test.db, course.id)).toMatchObject({ enrolledCount: 5, waitlistedCount: 50 });
      const waitlist = await waitlistOf(course.id);
      expect(waitlist.map((entry) => entry.position)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(waitlist.map((entry) => entry.id)).size).toBe(50);
      // one history entry per enrollment written, none for the refused
      const history = await listHistory(test.db, { courseId: course.id, limit: 200 });
      expect(history.events).toHaveLength(55);
      totals.rounds += 1;
      totals.admitted += admitted;
      totals.waitlisted += waitlisted;
      totals.refused += refused;
    }
    expect(totals.unexpected).toBe(0);
    console.log(`joins on ${database}: ${JSON.stringify(totals)}`);
    // 12 rounds of 100 concurrent transactions: ~7 s on a quiet machine; the limit only catches a hang
  }, 180_000);

  it("concurrent drops admit exactly the seats they free, in waitlist order, many rounds", async () => {
    const totals = {
      rounds: 0,
      dropped: 0,
      promoted: 0,
      lateJoinersWaitlisted: 0,
      orderViolations: 0,
      overCapacity: 0,
    };
    for (let round = 0; round < ROUNDS; round++) {
      const course = await createCourse(test.db, {
        name: `Drops ${round}`,
        level: "b",
        capacity: 5,
        waitlistCapacity: 30,
      });
      const [active, queued, late] = [await students(5), await students(12), await students(4)];
      for (const id of active) await assignCourses(test.db, id, [course.id]);
      // joined one after another, so the waitlist order is known
      for (const id of queued) await assignCourses(test.db, id, [course.id], { waitlist: true });
      const queueBefore = (await waitlistOf(course.id)).map((entry) => entry.id);
      expect(queueBefore).toEqual(queued);

      // two, then three, concurrent drops (plus a waitlisted student leaving), racing new joiners
      const leaving = round % 2 === 0 ? active.slice(0, 2) : active.slice(0, 3);
      const waitlistedLeaving = queued[queued.length - 1] ?? 0;
      await Promise.all([
        ...leaving.map((id) => removeEnrollment(test.db, id, course.id, { reason: "race" })),
        removeEnrollment(test.db, waitlistedLeaving, course.id),
        ...late.map((id) => assignCourses(test.db, id, [course.id], { waitlist: true })),
      ]);

      const after = await getCourse(test.db, course.id);
      if (after.enrolledCount > 5) totals.overCapacity += 1;
      expect(after.enrolledCount).toBe(5);
      const history = await listHistory(test.db, { courseId: course.id, limit: 200 });
      const promoted = history.events.filter((e) => e.action === "promoted").map((e) => e.studentId);
      expect(promoted).toHaveLength(leaving.length);
      // the promoted are the head of the waitlist, promoted in its order; no late joiner jumped it
      const expected = queueBefore.slice(0, leaving.length);
      if (JSON.stringify(promoted) !== JSON.stringify(expected)) totals.orderViolations += 1;
      expect(promoted).toEqual(expected);
      // the waitlist is still numbered 1..n without gaps, the late joiners at its end
      const queueAfter = await waitlistOf(course.id);
      expect(queueAfter.map((entry) => entry.position)).toEqual(queueAfter.map((_, i) => i + 1));
      expect(
        queueAfter
          .slice(-late.length)
          .map((entry) => entry.id)
          .sort((a, b) => a - b),
      ).toEqual(late);
      expect(after.waitlistedCount).toBe(queueAfter.length);

      totals.rounds += 1;
      totals.dropped += leaving.length;
      totals.promoted += promoted.length;
      totals.lateJoinersWaitlisted += late.length;
    }
    expect(totals.orderViolations).toBe(0);
    console.log(`drops on ${database}: ${JSON.stringify(totals)}`);
  });
});
