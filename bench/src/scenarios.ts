import { encodeCursor } from "@registrar/core";
import { type DatasetShape, seededCoursesOf, thousandCourses } from "./dataset.ts";

export type Surface = "rest" | "trpc";
/** floor: plain `pg` queries; floor-prepared: the same statement prepared, as Registrar sends it. */
export type Target = "registrar" | "floor" | "floor-prepared";

export type RequestSpec = { method: "GET" | "POST" | "DELETE"; path: string; body?: string };

export type Scenario = {
  /** Stable key, used in latest.json. */
  key: string;
  title: string;
  surface: Surface;
  target: Target;
  /** The next request to send: called once per request, so each one may differ. */
  next(): RequestSpec;
  /** Every answer must have exactly this status (non-2xx always fails the run). */
  expectedStatus: number;
  /** Ids this scenario may consume; past them it sends requests that fail, and says so. */
  exhausted(): boolean;
  /**
   * Fewer connections than the default, for requests that serialise on row locks anyway:
   * 16 concurrent 1,000-course assignments only queue behind each other for seconds.
   */
  connections?: number;
};

/** Hands out ids from a range, once each; past the end it reports exhaustion. */
class IdSource {
  private nextId: number;
  constructor(
    first: number,
    private readonly last: number,
  ) {
    this.nextId = first;
  }
  take(): number | undefined {
    if (this.nextId > this.last) return undefined;
    return this.nextId++;
  }
  get exhausted(): boolean {
    return this.nextId > this.last;
  }
}

/** Cycles through 1..count, so reads touch many rows rather than one hot one. */
function cycle(count: number, offset = 0): () => number {
  let i = 0;
  return () => {
    i = (i + 1) % count;
    return offset + i + 1;
  };
}

/** A student id that does not exist: a request for it 404s, failing the run on purpose. */
const MISSING_STUDENT = 2_147_483_647;

const trpcQuery = (procedure: string, input?: unknown) =>
  input === undefined
    ? `/trpc/${procedure}`
    : `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

function studentCourses(shape: DatasetShape, surface: Surface, target: Target): Scenario {
  const student = cycle(shape.students);
  return {
    key: "student-courses",
    title: "read a student's courses (10)",
    surface,
    target,
    expectedStatus: 200,
    exhausted: () => false,
    next: () => {
      const id = student();
      return {
        method: "GET",
        path:
          surface === "rest" ? `/students/${id}/courses` : trpcQuery("enrollments.list", { studentId: id }),
      };
    },
  };
}

function roster(shape: DatasetShape, surface: Surface): Scenario {
  const course = cycle(shape.courses);
  return {
    key: "course-roster",
    title: "read a roster page of 50",
    surface,
    target: "registrar",
    expectedStatus: 200,
    exhausted: () => false,
    next: () => {
      const id = course();
      return {
        method: "GET",
        path:
          surface === "rest"
            ? `/courses/${id}/students?limit=50`
            : trpcQuery("courses.students", { courseId: id, limit: 50 }),
      };
    },
  };
}

function listStudents(shape: DatasetShape, surface: Surface, deep: boolean): Scenario {
  // Deep pages start after a student id in the second half (5,000..9,950 at the standard
  // scale): the keyset cursor makes them as cheap as the first page, which is what this
  // pair of scenarios shows.
  const after = cycle(shape.students / 2 - 50, shape.students / 2);
  return {
    key: deep ? "list-students-deep" : "list-students-first",
    title: deep ? "list students, deep page (cursor)" : "list students, first page",
    surface,
    target: "registrar",
    expectedStatus: 200,
    exhausted: () => false,
    next: () => {
      const cursor = deep ? encodeCursor(after()) : undefined;
      if (surface === "rest") {
        return { method: "GET", path: cursor ? `/students?cursor=${cursor}` : "/students" };
      }
      return { method: "GET", path: trpcQuery("students.list", cursor ? { cursor } : undefined) };
    },
  };
}

function assign(
  shape: DatasetShape,
  surface: Surface,
  fresh: IdSource,
  count: 10 | 1000,
  target: Target = "registrar",
): Scenario {
  const allCourses = thousandCourses();
  let request = 0;
  return {
    key: count === 10 ? "assign-10" : "assign-1000",
    title: count === 10 ? "assign 10 courses to a fresh student" : "assign 1,000 courses in one request",
    surface,
    target,
    // REST: 201 because every enrollment is new; a 200 would mean a reused student.
    expectedStatus: surface === "rest" ? 201 : 200,
    exhausted: () => fresh.exhausted,
    ...(count === 1000 ? { connections: 2 } : {}),
    next: () => {
      const studentId = fresh.take() ?? MISSING_STUDENT;
      // Vary the 10 courses (the same spread as the seed) so requests lock different rows.
      const courseIds = count === 10 ? seededCoursesOf(shape, (request++ % shape.students) + 1) : allCourses;
      return surface === "rest"
        ? {
            method: "POST",
            path: `/students/${studentId}/courses`,
            body: JSON.stringify({ course_ids: courseIds }),
          }
        : {
            method: "POST",
            path: "/trpc/enrollments.assign",
            body: JSON.stringify({ studentId, courseIds }),
          };
    },
  };
}

function removeEnrollment(shape: DatasetShape, surface: Surface, students: IdSource): Scenario {
  let pending: Array<[number, number]> = [];
  return {
    key: "remove-enrollment",
    title: "remove one enrollment",
    surface,
    target: "registrar",
    expectedStatus: surface === "rest" ? 204 : 200,
    exhausted: () => students.exhausted && pending.length === 0,
    next: () => {
      if (pending.length === 0) {
        const studentId = students.take();
        pending = studentId === undefined ? [] : seededCoursesOf(shape, studentId).map((c) => [studentId, c]);
      }
      const [studentId, courseId] = pending.shift() ?? [MISSING_STUDENT, 1];
      return surface === "rest"
        ? { method: "DELETE", path: `/students/${studentId}/courses/${courseId}` }
        : {
            method: "POST",
            path: "/trpc/enrollments.remove",
            body: JSON.stringify({ studentId, courseId }),
          };
    },
  };
}

/** The read scenario for Registrar and both floors, on both surfaces. */
export function floorComparison(shape: DatasetShape): Array<Record<Target, Scenario>> {
  return (["rest", "trpc"] as const).map((surface) => ({
    registrar: studentCourses(shape, surface, "registrar"),
    floor: studentCourses(shape, surface, "floor"),
    "floor-prepared": studentCourses(shape, surface, "floor-prepared"),
  }));
}

/**
 * The write against its floor: assigning 10 courses over REST, Registrar and the prepared
 * floor (the same statements in one transaction), each request on a fresh student of `students`.
 */
export function writeFloorComparison(
  shape: DatasetShape,
  students: { first: number; last: number },
): Record<"registrar" | "floor-prepared", Scenario> {
  const fresh = new IdSource(students.first, students.last);
  return {
    registrar: assign(shape, "rest", fresh, 10),
    "floor-prepared": assign(shape, "rest", fresh, 10, "floor-prepared"),
  };
}

/** How the fresh students (no enrollment at first) are shared out. */
export type FreshStudentPlan = {
  /** One per request of the write floor comparison. */
  writeFloor: { first: number; last: number };
  /** One per assignment request. */
  assign: { first: number; last: number };
  /** Given their seeded-like 10 enrollments just before the removal scenarios. */
  removal: { first: number; last: number };
};

/**
 * The reads whose figures should not depend on the data's size (issue 16, target 3), on both
 * surfaces: a student's courses, a roster page, the first and a deep page of students.
 */
export function readScenarios(shape: DatasetShape): Scenario[] {
  return (["rest", "trpc"] as const).flatMap((surface) => [
    studentCourses(shape, surface, "registrar"),
    roster(shape, surface),
    listStudents(shape, surface, false),
    listStudents(shape, surface, true),
  ]);
}

/** Every other scenario, reads first, then writes (which change the data). */
export function otherScenarios(shape: DatasetShape, plan: FreshStudentPlan): Scenario[] {
  const fresh = new IdSource(plan.assign.first, plan.assign.last);
  // The removal students give their enrollments away: the first half over REST, the rest over tRPC.
  const middle = Math.floor((plan.removal.first + plan.removal.last) / 2);
  const removable = {
    rest: new IdSource(plan.removal.first, middle),
    trpc: new IdSource(middle + 1, plan.removal.last),
  };
  const scenarios: Scenario[] = [];
  for (const surface of ["rest", "trpc"] as const) scenarios.push(roster(shape, surface));
  for (const surface of ["rest", "trpc"] as const) scenarios.push(listStudents(shape, surface, false));
  for (const surface of ["rest", "trpc"] as const) scenarios.push(listStudents(shape, surface, true));
  for (const surface of ["rest", "trpc"] as const) scenarios.push(assign(shape, surface, fresh, 10));
  for (const surface of ["rest", "trpc"] as const) scenarios.push(assign(shape, surface, fresh, 1000));
  for (const surface of ["rest", "trpc"] as const)
    scenarios.push(removeEnrollment(shape, surface, removable[surface]));
  return scenarios;
}
