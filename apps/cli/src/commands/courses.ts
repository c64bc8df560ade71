import {
  MAX_CAPACITY,
  MAX_WAITLIST_CAPACITY,
  MIN_CAPACITY,
  type RouterInputs,
  type RouterOutputs,
} from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { courseNamer } from "../course-names.ts";
import { capacityOption, idArgument, integerOption } from "../ids.ts";
import { type Column, printJson, printLine, printRecord, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";
import { courseLabel, courseTitle, seatsPhrase, waitlistPhrase } from "../phrases.ts";

type Course = RouterOutputs["courses"]["byId"];
type CourseFields = Omit<RouterInputs["courses"]["update"], "id">;

const seats = (course: Course) => (course.capacity === null ? "unlimited" : course.capacity);
const waitlist = (course: Course) =>
  course.waitlistCapacity === 0 ? null : `${course.waitlistedCount}/${course.waitlistCapacity}`;

/** `DRA-101 Drama (Fall 2026), beginner, 1 seat, 5 waitlist places`: what a create or update says. */
export function courseSummary(course: Course, termName: string | null): string {
  const title = `${courseTitle(course)}${termName ? ` (${termName})` : ""}`;
  const places = course.waitlistCapacity > 0 ? `, ${waitlistPhrase(course.waitlistCapacity)}` : "";
  return `${title}, ${course.level}, ${seatsPhrase(course.capacity)}${places}`;
}

type CourseOptions = {
  capacity?: number | "unlimited";
  code?: string | false;
  term?: number | false;
  waitlistCapacity?: number;
  sourcedId?: string | false;
};

/** The options a create or an update sends; `--no-code` and the like send null (an update clears it). */
function courseFields(options: CourseOptions): CourseFields {
  const fields: CourseFields = {};
  if (options.capacity !== undefined)
    fields.capacity = options.capacity === "unlimited" ? null : options.capacity;
  if (options.code !== undefined) fields.code = options.code === false ? null : options.code;
  if (options.term !== undefined) fields.termId = options.term === false ? null : options.term;
  if (options.waitlistCapacity !== undefined) fields.waitlistCapacity = options.waitlistCapacity;
  if (options.sourcedId !== undefined)
    fields.sourcedId = options.sourcedId === false ? null : options.sourcedId;
  return fields;
}

function withCourseOptions(command: Command): Command {
  return command
    .option("--code <code>", "course code, e.g. DRA-101 (tells courses of one name apart)")
    .option("--term <term>", "the id of the course's term", idArgument)
    .option(
      "--waitlist-capacity <places>",
      `waitlist places, 0..${MAX_WAITLIST_CAPACITY} (0: no waitlist)`,
      integerOption(0, MAX_WAITLIST_CAPACITY),
    )
    .option("--sourced-id <id>", "the course's id in another system (unique)");
}

export function registerCourseCommands(program: Command): void {
  const courses = program.command("courses").description("list, create, show, update and delete courses");

  addPageOptions(
    courses
      .command("list")
      .description("list courses by id")
      .option("--search <text>", "only courses whose name or code contains this (any case)")
      .option("--term <term>", "only the courses of this term (its id)", idArgument),
  ).action(async (options: PageOptions & { search?: string; term?: number }, command: Command) => {
    const { client, json } = contextOf(command);
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.courses.list.query({
        ...request,
        ...(options.search ? { q: options.search } : {}),
        ...(options.term ? { termId: options.term } : {}),
      });
      return { items: answer.courses, nextCursor: answer.nextCursor };
    }, options);
    const namer = json ? undefined : await courseNamer(client.trpc, page.items);
    const columns: Array<Column<Course>> = [
      { header: "ID", value: (course) => course.id },
      { header: "CODE", value: (course) => course.code },
      { header: "NAME", value: (course) => course.name },
      { header: "TERM", value: (course) => namer?.termName(course.termId) },
      { header: "LEVEL", value: (course) => course.level },
      { header: "CAPACITY", value: seats },
      { header: "ENROLLED", value: (course) => course.enrolledCount },
      { header: "WAITLIST", value: waitlist },
    ];
    printPage(page, json, {
      key: "courses",
      columns,
      empty: options.search || options.term ? "No course matches." : "No courses.",
      commandLine: "registrar courses list",
    });
  });

  withCourseOptions(
    courses
      .command("add")
      .alias("create")
      .description("create a course")
      .argument("<name>", "course name")
      .argument("<level>", "level, e.g. beginner")
      .option(
        "--capacity <seats>",
        `seats, ${MIN_CAPACITY}..${MAX_CAPACITY} (default: unlimited)`,
        integerOption(MIN_CAPACITY, MAX_CAPACITY),
      ),
  ).action(async (name: string, level: string, options: CourseOptions, command: Command) => {
    const { client, json } = contextOf(command);
    const course = await client.trpc.courses.create.mutate({ name, level, ...courseFields(options) });
    if (json) return printJson(course);
    const namer = await courseNamer(client.trpc, [course]);
    printLine(`Created course ${course.id}: ${courseSummary(course, namer.termName(course.termId))}.`);
  });

  withCourseOptions(
    courses
      .command("update")
      .description("change a course's fields (only those given)")
      .argument("<id>", "course id", idArgument)
      .option("--name <name>", "course name")
      .option("--level <level>", "level")
      .option(
        "--capacity <seats>",
        `seats, ${MIN_CAPACITY}..${MAX_CAPACITY}, or unlimited (raising it admits waitlisted students)`,
        capacityOption(MIN_CAPACITY, MAX_CAPACITY),
      ),
  )
    .option("--no-code", "remove the course's code")
    .option("--no-term", "take the course out of its term")
    .option("--no-sourced-id", "remove the course's sourced id")
    .action(
      async (id: number, options: CourseOptions & { name?: string; level?: string }, command: Command) => {
        const { client, json } = contextOf(command);
        const fields: CourseFields = {
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.level === undefined ? {} : { level: options.level }),
          ...courseFields(options),
        };
        const course = await client.trpc.courses.update.mutate({ id, ...fields });
        if (json) return printJson(course);
        const namer = await courseNamer(client.trpc, [course]);
        printLine(`Updated course ${course.id}: ${courseSummary(course, namer.termName(course.termId))}.`);
      },
    );

  courses
    .command("show")
    .description("show one course")
    .argument("<id>", "course id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const course = await client.trpc.courses.byId.query({ id });
      if (json) return printJson(course);
      const namer = await courseNamer(client.trpc, [course]);
      printRecord([
        ["id", course.id],
        ["code", course.code],
        ["name", course.name],
        ["term", course.termId === null ? null : `${namer.termName(course.termId)} (term ${course.termId})`],
        ["level", course.level],
        ["capacity", seats(course)],
        ["enrolled", course.enrolledCount],
        [
          "waitlist",
          course.waitlistCapacity === 0 ? "none" : `${course.waitlistedCount} of ${course.waitlistCapacity}`,
        ],
        ["sourced id", course.sourcedId],
        ["created", shortDate(course.createdAt)],
        ["updated", shortDate(course.updatedAt)],
      ]);
    });

  courses
    .command("rm")
    .alias("delete")
    .description("delete a course, its enrollments and their history")
    .argument("<id>", "course id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      // named before it is gone, for the sentence; a course that cannot be read is named by id
      const course = json ? undefined : await client.trpc.courses.byId.query({ id }).catch(() => undefined);
      const result = await client.trpc.courses.delete.mutate({ id });
      if (json) return printJson(result);
      const label = course ? (await courseNamer(client.trpc, [course])).label(course) : courseLabel(id);
      printLine(`Removed ${label} and its enrollments.`);
    });
}
