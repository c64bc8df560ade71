import type { RouterInputs, RouterOutputs } from "@registrar/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { contextOf } from "../context.ts";
import { termNames } from "../course-names.ts";
import { dateOption, idArgument } from "../ids.ts";
import { type Column, printJson, printLine, printRecord, shortDate } from "../output.ts";
import { addPageOptions, fetchPages, type PageOptions, printPage } from "../paging.ts";

type Term = RouterOutputs["terms"]["byId"];
type TermType = Term["type"];
type TermFields = Omit<RouterInputs["terms"]["update"], "id">;

const termTypes: readonly TermType[] = ["term", "semester", "schoolYear", "gradingPeriod"];

function typeOption(text: string): TermType {
  const type = termTypes.find((candidate) => candidate.toLowerCase() === text.trim().toLowerCase());
  if (!type) throw new InvalidArgumentError(`It must be one of ${termTypes.join(", ")}.`);
  return type;
}

/** `Fall 2026 (semester, 2026-09-01 to 2026-12-18, in School year 2026/27)`. */
function termSummary(term: Term, parentName: string | null): string {
  const parent = term.parentId === null ? "" : `, in ${parentName ?? `term ${term.parentId}`}`;
  return `${term.name} (${term.type}, ${term.startsOn} to ${term.endsOn}${parent})`;
}

type TermOptions = {
  type?: TermType;
  parent?: number | false;
  sourcedId?: string | false;
};

function termFields(options: TermOptions): TermFields {
  const fields: TermFields = {};
  if (options.type !== undefined) fields.type = options.type;
  if (options.parent !== undefined) fields.parentId = options.parent === false ? null : options.parent;
  if (options.sourcedId !== undefined)
    fields.sourcedId = options.sourcedId === false ? null : options.sourcedId;
  return fields;
}

function withTermOptions(command: Command): Command {
  return command
    .option("--type <type>", `one of ${termTypes.join(", ")} (default on creation: term)`, typeOption)
    .option("--parent <term>", "the id of the term this one is part of", idArgument)
    .option("--sourced-id <id>", "the term's id in another system (unique)");
}

export function registerTermCommands(program: Command): void {
  const terms = program
    .command("terms")
    .description("list, create, show, update and delete terms (semesters, school years, ...)");

  addPageOptions(terms.command("list").description("list terms by id")).action(
    async (options: PageOptions, command: Command) => {
      const { client, json } = contextOf(command);
      const page = await fetchPages(async (request) => {
        const answer = await client.trpc.terms.list.query(request);
        return { items: answer.terms, nextCursor: answer.nextCursor };
      }, options);
      const known = new Map(page.items.map((term) => [term.id, term.name]));
      const parents = json
        ? new Map<number, string>()
        : await termNames(
            client.trpc,
            page.items.map((term) => term.parentId).filter((id) => id !== null && !known.has(id)),
          );
      const parentName = (id: number | null) =>
        id === null ? null : (known.get(id) ?? parents.get(id) ?? `term ${id}`);
      const columns: Array<Column<Term>> = [
        { header: "ID", value: (term) => term.id },
        { header: "NAME", value: (term) => term.name },
        { header: "TYPE", value: (term) => term.type },
        { header: "STARTS", value: (term) => term.startsOn },
        { header: "ENDS", value: (term) => term.endsOn },
        { header: "PARENT", value: (term) => parentName(term.parentId) },
      ];
      printPage(page, json, {
        key: "terms",
        columns,
        empty: "No terms.",
        commandLine: "registrar terms list",
      });
    },
  );

  withTermOptions(
    terms
      .command("create")
      .alias("add")
      .description("create a term")
      .argument("<name>", "term name, e.g. Fall 2026")
      .argument("<starts>", "first day, YYYY-MM-DD", dateOption)
      .argument("<ends>", "last day, YYYY-MM-DD (not before the first)", dateOption),
  ).action(async (name: string, startsOn: string, endsOn: string, options: TermOptions, command: Command) => {
    const { client, json } = contextOf(command);
    const term = await client.trpc.terms.create.mutate({ name, startsOn, endsOn, ...termFields(options) });
    if (json) return printJson(term);
    const parents = await termNames(client.trpc, [term.parentId]);
    printLine(
      `Created term ${term.id}: ${termSummary(term, term.parentId === null ? null : (parents.get(term.parentId) ?? null))}.`,
    );
  });

  withTermOptions(
    terms
      .command("update")
      .description("change a term's fields (only those given)")
      .argument("<id>", "term id", idArgument)
      .option("--name <name>", "term name")
      .option("--starts <date>", "first day, YYYY-MM-DD", dateOption)
      .option("--ends <date>", "last day, YYYY-MM-DD", dateOption),
  )
    .option("--no-parent", "make it a term of its own (no parent)")
    .option("--no-sourced-id", "remove the term's sourced id")
    .action(
      async (
        id: number,
        options: TermOptions & { name?: string; starts?: string; ends?: string },
        command: Command,
      ) => {
        const { client, json } = contextOf(command);
        const term = await client.trpc.terms.update.mutate({
          id,
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.starts === undefined ? {} : { startsOn: options.starts }),
          ...(options.ends === undefined ? {} : { endsOn: options.ends }),
          ...termFields(options),
        });
        if (json) return printJson(term);
        const parents = await termNames(client.trpc, [term.parentId]);
        printLine(
          `Updated term ${term.id}: ${termSummary(term, term.parentId === null ? null : (parents.get(term.parentId) ?? null))}.`,
        );
      },
    );

  terms
    .command("show")
    .description("show one term")
    .argument("<id>", "term id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const term = await client.trpc.terms.byId.query({ id });
      if (json) return printJson(term);
      const parents = await termNames(client.trpc, [term.parentId]);
      printRecord([
        ["id", term.id],
        ["name", term.name],
        ["type", term.type],
        ["starts", term.startsOn],
        ["ends", term.endsOn],
        [
          "parent",
          term.parentId === null ? null : `${parents.get(term.parentId) ?? "?"} (term ${term.parentId})`,
        ],
        ["sourced id", term.sourcedId],
        ["created", shortDate(term.createdAt)],
        ["updated", shortDate(term.updatedAt)],
      ]);
    });

  terms
    .command("delete")
    .alias("rm")
    .description("delete a term that no course and no other term uses")
    .argument("<id>", "term id", idArgument)
    .action(async (id: number, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const term = json ? undefined : await client.trpc.terms.byId.query({ id }).catch(() => undefined);
      const result = await client.trpc.terms.delete.mutate({ id });
      if (json) return printJson(result);
      printLine(`Deleted term ${id}${term ? `: ${term.name}` : ""}.`);
    });
}
