import { MAX_CAPACITY, MIN_CAPACITY, type RouterOutputs } from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { idArgument, integerOption } from "../ids.ts";
import { type Column, printJson, printLine, printRecord, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";
import { counted } from "../phrases.ts";

type Course = RouterOutputs["courses"]["byId"];

const seats = (course: Course) => (course.capacity === null ? "unlimited" : course.capacity);

const courseColumns: Array<Column<Course>> = [
  { header: "ID", value: (course) => course.id },
  { header: "NAME", value: (course) => course.name },
  { header: "LEVEL", value: (course) => course.level },
  { header: "CAPACITY", value: seats },
  { header: "ENROLLED", value: (course) => course.enrolledCount },
];

export function registerCourseCommands(program: Command): void {
  const courses = program.command("courses").description("list, add, show and remove courses");

  addPageOptions(courses.command("list").description("list courses by id")).action(
    async (options: PageOptions, command: Command) => {
      const { client, json } = contextOf(command);
      const page = await fetchPages(async (request) => {
        const answer = await client.trpc.courses.list.query(request);
        return { items: answer.courses, nextCursor: answer.nextCursor };
      }, options);
      printPage(page, json, {
        key: "courses",
        columns: courseColumns,
        empty: "No courses.",
        commandLine: "registrar courses list",
      });
    },
  );

  courses
    .command("add")
    .description("create a course")
    .argument("<name>", "course name")
    .argument("<level>", "level, e.g. beginner")
    .option(
      "--capacity <seats>",
      `seats, ${MIN_CAPACITY}..${MAX_CAPACITY} (default: unlimited)`,
      integerOption(MIN_CAPACITY, MAX_CAPACITY),
    )
    .action(async (name: string, level: string, options: { capacity?: number }, command: Command) => {
      const { client, json } = contextOf(command);
      const course = await client.trpc.courses.create.mutate({
        name,
        level,
        ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      });
      if (json) return printJson(course);
      const capacity = course.capacity === null ? "unlimited seats" : counted(course.capacity, "seat");
      printLine(`Created course ${course.id}: ${course.name} (${course.level}, ${capacity}).`);
    });

  courses
    .command("show")
    .description("show one course")
    .argument("<id>", "course id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const course = await client.trpc.courses.byId.query({ id });
      if (json) return printJson(course);
      printRecord([
        ["id", course.id],
        ["name", course.name],
        ["level", course.level],
        ["capacity", seats(course)],
        ["enrolled", course.enrolledCount],
        ["created", shortDate(course.createdAt)],
        ["updated", shortDate(course.updatedAt)],
      ]);
    });

  courses
    .command("rm")
    .description("remove a course and its enrollments")
    .argument("<id>", "course id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.courses.delete.mutate({ id });
      if (json) return printJson(result);
      printLine(`Removed course ${id} and its enrollments.`);
    });
}
