import { describe, expect, expectTypeOf, it } from "vitest";
import {
  isProblemCode,
  type ProblemExtras,
  type ProblemExtrasAt,
  problemAnswer,
  problemAnswers,
  problemCodes,
  type TypedProblem,
} from "./problems.ts";

describe("problem codes", () => {
  it("lists each code's answers, the usual status first", () => {
    expect(problemAnswers("course_not_found").map((answer) => answer.status)).toEqual([404, 422]);
    expect(problemAnswer("course_not_found", 422).extras).toEqual({ missingCourseIds: "ids" });
    // a status the code has no answer of (validation_failed at 431): its usual extras
    expect(problemAnswer("validation_failed", 431)).toEqual({ status: 400, extras: { errors: "issues" } });
    expect(isProblemCode("course_full")).toBe(true);
    expect(isProblemCode("toString")).toBe(false);
  });

  it("has one title per code and only error statuses", () => {
    for (const [code, spec] of Object.entries(problemCodes)) {
      expect(spec.title, code).toBeTruthy();
      for (const answer of problemAnswers(code as keyof typeof problemCodes)) {
        expect(answer.status, code).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("types each code's extras from the table", () => {
    expectTypeOf<ProblemExtras<"course_full">>().toEqualTypeOf<{ fullCourseIds: number[] }>();
    expectTypeOf<ProblemExtras<"course_not_found">>().toEqualTypeOf<
      { courseId: number } | { missingCourseIds: number[] }
    >();
    expectTypeOf<ProblemExtrasAt<"course_not_found", 422>>().toEqualTypeOf<{ missingCourseIds: number[] }>();
    expectTypeOf<ProblemExtras<"rate_limited">>().toEqualTypeOf<{ retryAfter?: number }>();
    expectTypeOf<ProblemExtras<"invalid_transition">["from"]>().toEqualTypeOf<
      "active" | "waitlisted" | "dropped" | "completed"
    >();
    const problem = {} as TypedProblem;
    if (problem.code === "enrollment_not_found") {
      expectTypeOf(problem.studentId).toEqualTypeOf<number>();
      expectTypeOf(problem.courseId).toEqualTypeOf<number>();
    }
  });
});
