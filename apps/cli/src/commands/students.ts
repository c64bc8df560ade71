import type { RouterOutputs } from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { idArgument } from "../ids.ts";
import { type Column, printJson, printLine, printRecord, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";

type Student = RouterOutputs["students"]["byId"];

const studentColumns: Array<Column<Student>> = [
  { header: "ID", value: (student) => student.id },
  { header: "NAME", value: (student) => student.name },
  { header: "EMAIL", value: (student) => student.email },
];

export function registerStudentCommands(program: Command): void {
  const students = program.command("students").description("list, create, show, update and delete students");

  addPageOptions(
    students
      .command("list")
      .description("list students by id")
      .option("--search <text>", "only students whose name or email contains this (any case)"),
  ).action(async (options: PageOptions & { search?: string }, command: Command) => {
    const { client, json } = contextOf(command);
    const page = await fetchPages(async (request) => {
      const answer = await client.trpc.students.list.query({
        ...request,
        ...(options.search ? { q: options.search } : {}),
      });
      return { items: answer.students, nextCursor: answer.nextCursor };
    }, options);
    printPage(page, json, {
      key: "students",
      columns: studentColumns,
      empty: options.search ? "No student matches." : "No students.",
      commandLine: "registrar students list",
    });
  });

  students
    .command("add")
    .alias("create")
    .description("create a student")
    .argument("<name>", "full name")
    .argument("<email>", "email address, unique")
    .option("--sourced-id <id>", "the student's id in another system (unique)")
    .action(async (name: string, email: string, options: { sourcedId?: string }, command: Command) => {
      const { client, json } = contextOf(command);
      const student = await client.trpc.students.create.mutate({
        name,
        email,
        ...(options.sourcedId === undefined ? {} : { sourcedId: options.sourcedId }),
      });
      if (json) return printJson(student);
      printLine(`Created student ${student.id}: ${student.name} <${student.email}>.`);
    });

  students
    .command("update")
    .description("change a student's fields (only those given)")
    .argument("<id>", "student id", idArgument)
    .option("--name <name>", "full name")
    .option("--email <email>", "email address, unique")
    .option("--sourced-id <id>", "the student's id in another system (unique)")
    .option("--no-sourced-id", "remove the student's sourced id")
    .action(
      async (
        id: number,
        options: { name?: string; email?: string; sourcedId?: string | false },
        command: Command,
      ) => {
        const { client, json } = contextOf(command);
        const student = await client.trpc.students.update.mutate({
          id,
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.email === undefined ? {} : { email: options.email }),
          ...(options.sourcedId === undefined
            ? {}
            : { sourcedId: options.sourcedId === false ? null : options.sourcedId }),
        });
        if (json) return printJson(student);
        printLine(`Updated student ${student.id}: ${student.name} <${student.email}>.`);
      },
    );

  students
    .command("show")
    .description("show one student")
    .argument("<id>", "student id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const student = await client.trpc.students.byId.query({ id });
      if (json) return printJson(student);
      printRecord([
        ["id", student.id],
        ["name", student.name],
        ["email", student.email],
        ["sourced id", student.sourcedId],
        ["created", shortDate(student.createdAt)],
        ["updated", shortDate(student.updatedAt)],
      ]);
    });

  students
    .command("rm")
    .alias("delete")
    .description("delete a student, their enrollments and their history")
    .argument("<id>", "student id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.students.delete.mutate({ id });
      if (json) return printJson(result);
      printLine(`Removed student ${id} and their enrollments.`);
    });
}
