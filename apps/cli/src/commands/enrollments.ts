import {
  isRegistrarError,
  MAX_REASON_LENGTH,
  type RegistrarTrpcClient,
  type RouterInputs,
  type RouterOutputs,
} from "@registrar/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { contextOf } from "../context.ts";
import { courseNamer, coursesById } from "../course-names.ts";
import { RefusedError, UsageError } from "../exit-codes.ts";
import { idArgument, idListArgument } from "../ids.ts";
import { type Column, printJson, printLine, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";
import { type CourseNaming, counted, courseLabel, listed } from "../phrases.ts";

type EnrolledCourse = RouterOutputs["enrollments"]["list"]["courses"][number];
type EnrolledStudent = RouterOutputs["courses"]["students"]["students"][number];
type HistoryEntry = RouterOutputs["enrollments"]["history"]["events"][number];
type StatusFilter = NonNullable<RouterInputs["enrollments"]["list"]["status"]>;
type Status = EnrolledCourse["status"];

const statuses: readonly Status[] = ["active", "waitlisted", "dropped", "completed"];

/** `--status active,waitlisted` or `--status all`. */
function statusOption(text: string): StatusFilter {
  const wanted = text
    .split(",")
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
  if (wanted.length === 1 && wanted[0] === "all") return "all";
  const chosen = statuses.filter((status) => wanted.includes(status));
  if (wanted.length === 0 || chosen.length !== new Set(wanted).size) {
    throw new InvalidArgumentError(`It must be all, or a comma-separated list of ${statuses.join(", ")}.`);
  }
  return chosen;
}

function reasonOption(text: string): string {
  if (text.length > MAX_REASON_LENGTH) {
    throw new InvalidArgumentError(`It must be at most ${MAX_REASON_LENGTH} characters.`);
  }
  return text;
}

const statusText = (item: { status: Status; waitlistPosition: number | null }) =>
  item.status === "waitlisted" && item.waitlistPosition !== null
    ? `waitlisted (${item.waitlistPosition})`
    : item.status;

const statusWords = (filter: StatusFilter) => (filter === "all" ? "any status" : listed(filter));

/** Who made a change: `rest`, `trpc, key 3 (registrar)`, `system` (a promotion). */
function changedBy(entry: HistoryEntry): string {
  const { keyId, role } = entry.actor;
  if (keyId === null) return entry.source;
  return `${entry.source}, key ${keyId}${role ? ` (${role})` : ""}`;
}

/**
 * A refused enrollment in full courses, with the courses named (the problem has ids only)
 * and what `--waitlist` would do when a course has waitlist places.
 */
async function fullCoursesError(
  trpc: RegistrarTrpcClient,
  fullCourseIds: readonly number[],
  waitlisting: boolean,
): Promise<RefusedError> {
  const courses = (
    await Promise.all(fullCourseIds.map((id) => trpc.courses.byId.query({ id }).catch(() => undefined)))
  ).filter((course) => course !== undefined);
  const namer = await courseNamer(trpc, courses);
  const byId = new Map(courses.map((course) => [course.id, course]));
  const labels = listed(
    fullCourseIds.map((id) => {
      const course = byId.get(id);
      return course ? namer.label(course) : courseLabel(id);
    }),
  );
  const verb = fullCourseIds.length === 1 ? "is" : "are";
  const why = waitlisting ? `${verb} full, waitlist included` : `${verb} full`;
  const room = courses.some((course) => course.waitlistedCount < course.waitlistCapacity);
  const hint = !waitlisting && room ? " With --waitlist the student joins the waitlist." : "";
  return new RefusedError(`${labels} ${why}; nothing was enrolled.${hint}`);
}

export function registerEnrollmentCommands(program: Command): void {
  program
    .command("enroll")
    .description(
      "enroll a student in one or more courses (all or nothing); a dropped or completed enrollment becomes active again",
    )
    .argument("<student>", "student id", idArgument)
    .argument("<course...>", "course ids", idListArgument)
    .option("--waitlist", "join the waitlist of a full course that has waitlist places")
    .action(
      async (studentId: number, courseIds: number[], options: { waitlist?: boolean }, command: Command) => {
        const { client, json } = contextOf(command);
        const result = await client.trpc.enrollments.assign
          .mutate({ studentId, courseIds, ...(options.waitlist ? { waitlist: true } : {}) })
          .catch(async (error: unknown) => {
            if (json || !isRegistrarError(error) || error.code !== "course_full") throw error;
            throw await fullCoursesError(
              client.trpc,
              error.problem.fullCourseIds ?? [],
              options.waitlist === true,
            );
          });
        if (json) return printJson(result);
        // the answer lists the student's courses, so it names them without another request
        const byId = new Map(result.courses.map((course) => [course.id, course]));
        const namer = await courseNamer(client.trpc, result.courses);
        const name = (id: number) => {
          const course = byId.get(id);
          if (!course) return courseLabel(id);
          return namer.label(
            course,
            course.waitlistPosition === null ? undefined : `position ${course.waitlistPosition}`,
          );
        };
        const names = (ids: readonly number[]) => listed(ids.map(name));
        const waiting = (id: number) => byId.get(id)?.status === "waitlisted";
        const already = [
          ...(result.alreadyEnrolled.some((id) => !waiting(id))
            ? [`enrolled in ${names(result.alreadyEnrolled.filter((id) => !waiting(id)))}`]
            : []),
          ...(result.alreadyEnrolled.some(waiting)
            ? [`on the waitlist of ${names(result.alreadyEnrolled.filter(waiting))}`]
            : []),
        ];
        const alreadyText = already.length > 0 ? `already ${listed(already)}` : "";
        const waitlisted = result.waitlisted.length > 0 ? `the waitlist of ${names(result.waitlisted)}` : "";
        const rest = [...(alreadyText ? [alreadyText] : [])];
        if (result.enrolled.length > 0) {
          if (waitlisted) rest.unshift(`put on ${waitlisted}`);
          const tail = rest.length > 0 ? `; ${rest.join("; ")}` : "";
          return printLine(`Enrolled student ${studentId} in ${names(result.enrolled)}${tail}.`);
        }
        const tail = rest.length > 0 ? `; ${rest.join("; ")}` : "";
        if (waitlisted) return printLine(`Put student ${studentId} on ${waitlisted}${tail}.`);
        printLine(`Student ${studentId} is ${alreadyText}.`);
      },
    );

  program
    .command("drop")
    .description(
      "drop a student's active or waitlisted enrollment (kept as a record; a freed seat goes to the waitlist)",
    )
    .argument("<student>", "student id", idArgument)
    .argument("<course>", "course id", idArgument)
    .option(
      "--reason <text>",
      `why, kept in the history (at most ${MAX_REASON_LENGTH} characters)`,
      reasonOption,
    )
    .action(async (studentId: number, courseId: number, options: { reason?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.enrollments.remove.mutate({
        studentId,
        courseId,
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      });
      if (json) return printJson(result);
      const courses = await coursesById(client.trpc, [courseId]);
      printLine(`Dropped student ${studentId} from ${courseLabel(courseId, courses.get(courseId))}.`);
    });

  program
    .command("complete")
    .description("mark a student's active enrollment completed (frees the seat for the waitlist)")
    .argument("<student>", "student id", idArgument)
    .argument("<course>", "course id", idArgument)
    .option(
      "--reason <text>",
      `a note, kept in the history (at most ${MAX_REASON_LENGTH} characters)`,
      reasonOption,
    )
    .action(async (studentId: number, courseId: number, options: { reason?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const course = await client.trpc.enrollments.update.mutate({
        studentId,
        courseId,
        status: "completed",
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      });
      if (json) return printJson(course);
      const namer = await courseNamer(client.trpc, [course]);
      printLine(`Student ${studentId} completed ${namer.label(course)}.`);
    });

  addPageOptions(
    program
      .command("courses-of")
      .description("a student's courses with the status of each enrollment")
      .argument("<student>", "student id", idArgument)
      .option(
        "--status <statuses>",
        `all, or any of ${statuses.join(", ")}, comma-separated (default: active,waitlisted)`,
        statusOption,
      ),
  ).action(async (studentId: number, options: PageOptions & { status?: StatusFilter }, command: Command) => {
    const { client, json } = contextOf(command);
    const status = options.status ?? ["active", "waitlisted"];
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.enrollments.list.query({ studentId, status, ...request });
      return { items: answer.courses, nextCursor: answer.nextCursor };
    }, options);
    const namer = json ? undefined : await courseNamer(client.trpc, page.items);
    const anyDropped = page.items.some((course) => course.droppedAt !== null);
    const columns: Array<Column<EnrolledCourse>> = [
      { header: "ID", value: (course) => course.id },
      { header: "CODE", value: (course) => course.code },
      { header: "NAME", value: (course) => course.name },
      { header: "TERM", value: (course) => namer?.termName(course.termId) },
      { header: "LEVEL", value: (course) => course.level },
      { header: "STATUS", value: statusText },
      { header: "ENROLLED AT", value: (course) => shortDate(course.enrolledAt) },
      ...(anyDropped
        ? [
            {
              header: "DROPPED AT",
              value: (course: EnrolledCourse) => course.droppedAt && shortDate(course.droppedAt),
            },
          ]
        : []),
    ];
    printPage(page, json, {
      key: "courses",
      before: { studentId },
      columns,
      empty: options.status
        ? `Student ${studentId} has no course of ${statusWords(status)}.`
        : `Student ${studentId} is not enrolled in any course.`,
      commandLine: `registrar courses-of ${studentId}`,
    });
  });

  addPageOptions(
    program
      .command("roster")
      .description("the students of a course")
      .argument("<course>", "course id", idArgument)
      .option(
        "--status <statuses>",
        `all, or any of ${statuses.join(", ")}, comma-separated (default: active)`,
        statusOption,
      ),
  ).action(async (courseId: number, options: PageOptions & { status?: StatusFilter }, command: Command) => {
    const { client, json } = contextOf(command);
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.courses.students.query({
        courseId,
        ...(options.status ? { status: options.status } : {}),
        ...request,
      });
      return { items: answer.students, nextCursor: answer.nextCursor };
    }, options);
    const columns: Array<Column<EnrolledStudent>> = [
      { header: "ID", value: (student) => student.id },
      { header: "NAME", value: (student) => student.name },
      { header: "EMAIL", value: (student) => student.email },
      ...(options.status ? [{ header: "STATUS", value: statusText }] : []),
      { header: "ENROLLED AT", value: (student) => shortDate(student.enrolledAt) },
    ];
    const label =
      page.items.length === 0 && !json
        ? courseLabel(courseId, (await coursesById(client.trpc, [courseId])).get(courseId))
        : courseLabel(courseId);
    printPage(page, json, {
      key: "students",
      before: { courseId },
      columns,
      empty: options.status
        ? `No student of ${statusWords(options.status)} in ${label}.`
        : `No student is enrolled in ${label}.`,
      commandLine: `registrar roster ${courseId}`,
    });
  });

  addPageOptions(
    program
      .command("waitlist")
      .description("a course's waitlist, first come first served, with positions")
      .argument("<course>", "course id", idArgument),
  ).action(async (courseId: number, options: PageOptions, command: Command) => {
    const { client, json } = contextOf(command);
    const [page, course] = await Promise.all([
      fetchPages(async (request) => {
        const answer = await client.trpc.courses.students.query({
          courseId,
          status: ["waitlisted"],
          ...request,
        });
        return { items: answer.students, nextCursor: answer.nextCursor };
      }, options),
      json ? undefined : client.trpc.courses.byId.query({ id: courseId }),
    ]);
    if (!json && course) {
      const namer = await courseNamer(client.trpc, [course]);
      const places =
        course.waitlistCapacity === 0
          ? "it has no waitlist places"
          : `${course.waitlistedCount} of ${counted(course.waitlistCapacity, "place")} taken`;
      printLine(`Waitlist of ${namer.label(course)}: ${places}.`);
    }
    printPage(page, json, {
      key: "students",
      before: { courseId },
      columns: [
        { header: "POSITION", value: (student) => student.waitlistPosition },
        { header: "ID", value: (student) => student.id },
        { header: "NAME", value: (student) => student.name },
        { header: "EMAIL", value: (student) => student.email },
        { header: "SINCE", value: (student) => shortDate(student.enrolledAt) },
      ],
      empty: "No one is waiting.",
      commandLine: `registrar waitlist ${courseId}`,
    });
  });

  addPageOptions(
    program
      .command("history")
      .description(
        "every change of a student's enrollments (or of one course's, or of one pair), oldest first",
      )
      .argument("[student]", "student id", idArgument)
      .option(
        "--course <course>",
        "only this course's enrollments (alone: all of the course's students)",
        idArgument,
      ),
  ).action(
    async (studentId: number | undefined, options: PageOptions & { course?: number }, command: Command) => {
      if (studentId === undefined && options.course === undefined) {
        throw new UsageError("Name a student, a course (--course), or both.");
      }
      const { client, json } = contextOf(command);
      const ids = {
        ...(studentId === undefined ? {} : { studentId }),
        ...(options.course === undefined ? {} : { courseId: options.course }),
      };
      const page = await fetchPages(async (request) => {
        const answer = await client.trpc.enrollments.history.query({ ...ids, ...request });
        return { items: answer.events, nextCursor: answer.nextCursor };
      }, options);
      const courses = json
        ? new Map<number, CourseNaming>()
        : await coursesById(
            client.trpc,
            page.items.map((entry) => entry.courseId),
          );
      const commandLine = [
        "registrar history",
        studentId ?? "",
        options.course ? `--course ${options.course}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      printPage(page, json, {
        key: "events",
        before: ids,
        columns: [
          { header: "AT", value: (entry) => shortDate(entry.at) },
          { header: "STUDENT", value: (entry) => entry.studentId },
          { header: "COURSE", value: (entry) => courseLabel(entry.courseId, courses.get(entry.courseId)) },
          { header: "ACTION", value: (entry) => entry.action },
          { header: "FROM", value: (entry) => entry.fromStatus },
          { header: "TO", value: (entry) => entry.toStatus },
          { header: "REASON", value: (entry) => entry.reason },
          { header: "BY", value: changedBy },
        ],
        empty: "No changes.",
        commandLine,
      });
    },
  );
}
