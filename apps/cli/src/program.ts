import { Command, Option } from "commander";
import { registerCourseCommands } from "./commands/courses.ts";
import { registerEnrollmentCommands } from "./commands/enrollments.ts";
import { registerEventCommands } from "./commands/events.ts";
import { registerImportCommand } from "./commands/import.ts";
import { registerOneRosterCommands } from "./commands/oneroster.ts";
import { registerStudentCommands } from "./commands/students.ts";
import { registerTermCommands } from "./commands/terms.ts";
import { DEFAULT_URL } from "./connection.ts";
import type { Invocation } from "./invocation.ts";

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

/** The `registrar` command for one run: its defaults from the run's settings, its output to the run's streams. */
export function buildProgram({ settings, stdout, stderr }: Invocation): Command {
  const hasColours = (stream: typeof stdout) =>
    settings.colours ?? (stream.isTTY === true && stream.hasColors?.() === true);
  const program = new Command("registrar")
    // before any subcommand is added: each copies these settings when it is created
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
      // commander's own fallback for a pipe is 80 columns
      getOutHelpWidth: () => (stdout.isTTY ? stdout.columns : undefined) ?? 80,
      getErrHelpWidth: () => (stderr.isTTY ? stderr.columns : undefined) ?? 80,
      getOutHasColors: () => hasColours(stdout),
      getErrHasColors: () => hasColours(stderr),
    })
    .description(
      "Students, courses, terms and enrollments (waitlists and history included) on a Registrar server.",
    )
    // Not commander's .env(): it reads process.env itself while parsing. The values read
    // at the start of the run are the options' starting point; a flag replaces them.
    .addOption(new Option("--url <url>", "server address (or REGISTRAR_URL)").default(DEFAULT_URL))
    .addOption(new Option("--token <token>", "API token, sent as a bearer header (or REGISTRAR_TOKEN)"))
    .option("--json", "print results as JSON, for scripts", false)
    // Errors become exit codes in run.ts instead of commander exiting by itself.
    .exitOverride()
    .showHelpAfterError("(registrar --help lists the commands)")
    .addHelpText("after", exitCodesHelp);
  if (settings.url !== undefined) program.setOptionValueWithSource("url", settings.url, "env");
  if (settings.token !== undefined) program.setOptionValueWithSource("token", settings.token, "env");
  registerStudentCommands(program);
  registerTermCommands(program);
  registerCourseCommands(program);
  registerEnrollmentCommands(program);
  registerImportCommand(program);
  registerOneRosterCommands(program);
  registerEventCommands(program);
  return program;
}
