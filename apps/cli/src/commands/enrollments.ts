import type { RouterOutputs } from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { idArgument, idListArgument } from "../ids.ts";
import { type Column, printJson, printLine, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";
import { courseLabel, listed } from "../phrases.ts";

type EnrolledCourse = RouterOutputs["enrollments"]["list"]["courses"][number];
type EnrolledStudent = RouterOutputs["courses"]["students"]["students"][number];

const enrolledCourseColumns: Array<Column<EnrolledCourse>> = [
  { header: "ID", value: (course) => course.id },
  { header: "NAME", value: (course) => course.name },
  { header: "LEVEL", value: (course) => course.level },
  { header: "ENROLLED AT", value: (course) => shortDate(course.enrolledAt) },
];

const enrolledStudentColumns: Array<Column<EnrolledStudent>> = [
  { header: "ID", value: (student) => student.id },
  { header: "NAME", value: (student) => student.name },
  { header: "EMAIL", value: (student) => student.email },
  { header: "ENROLLED AT", value: (student) => shortDate(student.enrolledAt) },
];

export function registerEnrollmentCommands(program: Command): void {
  program
    .command("enroll")
    .description("enroll a student in one or more courses (all or nothing)")
    .argument("<student>", "student id", idArgument)
    .argument("<course...>", "course ids", idListArgument)
    .action(async (studentId: number, courseIds: number[], _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.enrollments.assign.mutate({ studentId, courseIds });
      if (json) return printJson(result);
      // the answer lists the student's courses, so it names them without another request
      const names = new Map(result.courses.map((course) => [course.id, course.name]));
      const courses = (ids: number[]) => listed(ids.map((id) => courseLabel(id, names.get(id))));
      const already =
        result.alreadyEnrolled.length > 0 ? `already enrolled in ${courses(result.alreadyEnrolled)}` : "";
      if (result.enrolled.length === 0) return printLine(`Student ${studentId} is ${already}.`);
      printLine(
        `Enrolled student ${studentId} in ${courses(result.enrolled)}${already ? `; ${already}` : ""}.`,
      );
    });

  program
    .command("drop")
    .description("remove a student from a course")
    .argument("<student>", "student id", idArgument)
    .argument("<course>", "course id", idArgument)
    .action(async (studentId: number, courseId: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.enrollments.remove.mutate({ studentId, courseId });
      if (json) return printJson(result);
      printLine(`Dropped student ${studentId} from course ${courseId}.`);
    });

  addPageOptions(
    program
      .command("courses-of")
      .description("the courses a student is enrolled in")
      .argument("<student>", "student id", idArgument),
  ).action(async (studentId: number, options: PageOptions, command: Command) => {
    const { client, json } = contextOf(command);
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.enrollments.list.query({ studentId, ...request });
      return { items: answer.courses, nextCursor: answer.nextCursor };
    }, options);
    printPage(page, json, {
      key: "courses",
      before: { studentId },
      columns: enrolledCourseColumns,
      empty: `Student ${studentId} is not enrolled in any course.`,
      commandLine: `registrar courses-of ${studentId}`,
    });
  });

  addPageOptions(
    program
      .command("roster")
      .description("the students enrolled in a course")
      .argument("<course>", "course id", idArgument),
  ).action(async (courseId: number, options: PageOptions, command: Command) => {
    const { client, json } = contextOf(command);
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.courses.students.query({ courseId, ...request });
      return { items: answer.students, nextCursor: answer.nextCursor };
    }, options);
    printPage(page, json, {
      key: "students",
      before: { courseId },
      columns: enrolledStudentColumns,
      empty: `No student is enrolled in course ${courseId}.`,
      commandLine: `registrar roster ${courseId}`,
    });
  });
}
