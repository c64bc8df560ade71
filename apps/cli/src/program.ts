import { Command, Option } from "commander";
import { registerCourseCommands } from "./commands/courses.ts";
import { registerEnrollmentCommands } from "./commands/enrollments.ts";
import { registerEventCommands } from "./commands/events.ts";
import { registerImportCommand } from "./commands/import.ts";
import { registerOneRosterCommands } from "./commands/oneroster.ts";
import { registerStudentCommands } from "./commands/students.ts";
import { registerTermCommands } from "./commands/terms.ts";
import { DEFAULT_URL } from "./connection.ts";

const exitCodesHelp = `
Exit codes:
  0  done (events tail: stopped by Ctrl-C or SIGTERM)
  1  the server refused the request (not found, invalid, course full, ...),
     or an import (also oneroster import) finished with failed rows
  2  usage error: unknown command or option, bad argument, unreadable CSV file
  3  no Registrar server answered at --url (unreachable, or something
     else answered); an import stops and counts the rows not attempted

Environment:
  REGISTRAR_URL    server address (default ${DEFAULT_URL}); --url wins
  REGISTRAR_TOKEN  API token; --token wins`;

export function buildProgram(): Command {
  const program = new Command("registrar")
    .description(
      "Students, courses, terms and enrollments (waitlists and history included) on a Registrar server.",
    )
    .addOption(new Option("--url <url>", "server address").env("REGISTRAR_URL").default(DEFAULT_URL))
    .addOption(new Option("--token <token>", "API token, sent as a bearer header").env("REGISTRAR_TOKEN"))
    .option("--json", "print results as JSON, for scripts", false)
    // Errors become exit codes in main.ts instead of commander exiting by itself.
    .exitOverride()
    .showHelpAfterError("(registrar --help lists the commands)")
    .addHelpText("after", exitCodesHelp);
  registerStudentCommands(program);
  registerTermCommands(program);
  registerCourseCommands(program);
  registerEnrollmentCommands(program);
  registerImportCommand(program);
  registerOneRosterCommands(program);
  registerEventCommands(program);
  return program;
}
