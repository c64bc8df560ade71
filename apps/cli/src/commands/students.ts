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
  const students = program.command("students").description("list, add, show and remove students");

  addPageOptions(students.command("list").description("list students by id")).action(
    async (options: PageOptions, command: Command) => {
      const { client, json } = contextOf(command);
      const page = await fetchPages(async (request) => {
        const answer = await client.trpc.students.list.query(request);
        return { items: answer.students, nextCursor: answer.nextCursor };
      }, options);
      printPage(page, json, {
        key: "students",
        columns: studentColumns,
        empty: "No students.",
        commandLine: "registrar students list",
      });
    },
  );

  students
    .command("add")
    .description("create a student")
    .argument("<name>", "full name")
    .argument("<email>", "email address, unique")
    .action(async (name: string, email: string, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const student = await client.trpc.students.create.mutate({ name, email });
      if (json) return printJson(student);
      printLine(`Created student ${student.id}: ${student.name} <${student.email}>.`);
    });

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
        ["created", shortDate(student.createdAt)],
        ["updated", shortDate(student.updatedAt)],
      ]);
    });

  students
    .command("rm")
    .description("remove a student and their enrollments")
    .argument("<id>", "student id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const result = await client.trpc.students.delete.mutate({ id });
      if (json) return printJson(result);
      printLine(`Removed student ${id} and their enrollments.`);
    });
}
