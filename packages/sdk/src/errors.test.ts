import { describe, expect, expectTypeOf, it } from "vitest";
import { errorFromResponse, isRegistrarError, RegistrarError, type RegistrarErrorOf } from "./errors.ts";

describe("RegistrarError", () => {
  it("carries a REST problem camelCased, typed by its code", () => {
    const error: unknown = errorFromResponse(422, {
      type: "urn:registrar:problem:course_not_found",
      title: "Course not found",
      status: 422,
      detail: "No course with id 99; nothing was enrolled.",
      code: "course_not_found",
      missing_course_ids: [99],
    });
    expect(error).toBeInstanceOf(RegistrarError);
    if (!isRegistrarError(error)) throw new Error("not a RegistrarError");
    // without narrowing, every code's extras read as possibly absent
    expectTypeOf(error.problem.missingCourseIds).toEqualTypeOf<number[] | undefined>();
    expect(error.problem.missingCourseIds).toEqual([99]);
    if (error.code === "course_full") {
      expectTypeOf(error.problem.fullCourseIds).toEqualTypeOf<number[]>();
      expectTypeOf(error).toEqualTypeOf<RegistrarErrorOf<"course_full">>();
    }
    if (error.code === "enrollment_not_found") {
      expectTypeOf(error.problem.studentId).toEqualTypeOf<number>();
      expectTypeOf(error.problem.courseId).toEqualTypeOf<number>();
    }
    if (error.code === "invalid_transition") {
      expectTypeOf(error.problem.to).toEqualTypeOf<"active" | "waitlisted" | "dropped" | "completed">();
    }
    if (error.code === "course_not_found") {
      expectTypeOf(error.problem.courseId).toEqualTypeOf<number | undefined>();
      if (error.status === 422 && error.problem.missingCourseIds) {
        expectTypeOf(error.problem.missingCourseIds).toEqualTypeOf<number[]>();
      }
    }
  });

  it("narrows with instanceof as with isRegistrarError", () => {
    const error: unknown = errorFromResponse(502, "<html>", undefined, "text/html");
    if (!(error instanceof RegistrarError)) throw new Error("not a RegistrarError");
    expect(error.code).toBe("unexpected_response");
    expect(error.name).toBe("RegistrarError");
    expectTypeOf(error.code).toEqualTypeOf<RegistrarError["code"]>();
  });
});
