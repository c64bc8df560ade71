import { createWriteStream } from "node:fs";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { MAX_ONEROSTER_PACKAGE_BYTES, type OneRosterImportReport } from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { exitWith, userPath } from "../invocation.ts";
import { printJson, printLine, printNote, watched } from "../output.ts";
import { counted } from "../phrases.ts";

type Counts = OneRosterImportReport["summary"]["students"];

/** One line of counts, e.g. `students     3 created, 1 updated, 10 unchanged, 2 skipped`. */
function countsLine(label: string, counts: Counts): string {
  const parts = (["created", "updated", "unchanged", "dropped", "skipped"] as const)
    .filter((key) => counts[key] > 0)
    .map((key) => `${counts[key]} ${key}`);
  return `  ${label.padEnd(12)} ${parts.length > 0 ? parts.join(", ") : "nothing"}`;
}

function printReport(file: string, report: OneRosterImportReport): void {
  const files = Object.entries(report.files)
    .filter(([, mode]) => mode !== "absent")
    .map(([name, mode]) => `${name} ${mode}`)
    .join(", ");
  printLine(
    `${file}: OneRoster ${report.oneroster_version}${report.dry_run ? " (dry run: nothing was written)" : ""}`,
  );
  printLine(`  files        ${files || "none"}`);
  const { summary } = report;
  printLine(countsLine("students", summary.students));
  printLine(countsLine("courses", summary.courses));
  printLine(countsLine("terms", summary.terms));
  printLine(countsLine("enrollments", summary.enrollments));
  printLine(
    `  errors       ${report.errors.length}${report.errors.length > 0 ? " (those rows were skipped)" : ""}`,
  );
  for (const error of report.errors) {
    const where = error.line === null ? error.file : `${error.file} line ${error.line}`;
    printLine(
      `    ${where}${error.sourced_id ? ` (${error.sourced_id})` : ""}: ${error.code}: ${error.message}`,
    );
  }
  printLine(`  warnings     ${report.warnings.length}`);
  for (const warning of report.warnings) {
    const where = warning.line === null ? warning.file : `${warning.file} line ${warning.line}`;
    printLine(`    ${where}${warning.sourced_id ? ` (${warning.sourced_id})` : ""}: ${warning.message}`);
  }
}

export function registerOneRosterCommands(program: Command): void {
  const oneroster = program
    .command("oneroster")
    .description("import and export OneRoster 1.1 / 1.2 CSV packages (zip files)");

  oneroster
    .command("import")
    .description("import a OneRoster CSV package (admin key); rows with errors are skipped and listed")
    .argument("<package.zip>", "a zip with manifest.csv and the OneRoster CSV files, at most 50 MiB")
    .option("--dry-run", "check the package and report what would change, writing nothing", false)
    .action(async (file: string, options: { dryRun: boolean }, command: Command) => {
      const { client, json } = contextOf(command);
      const path = userPath(file);
      let zip: Uint8Array;
      try {
        const size = (await stat(path)).size;
        if (size > MAX_ONEROSTER_PACKAGE_BYTES) {
          throw new UsageError(`${file} is ${counted(size, "byte")}: a package may be at most 50 MiB.`);
        }
        zip = new Uint8Array(await readFile(path));
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      if (!json && watched()) printNote(`sending ${file} (${counted(zip.byteLength, "byte")})…`);
      const report = await client.oneroster.importPackage(zip, { dryRun: options.dryRun });
      if (json) printJson(report);
      else printReport(file, report);
      if (report.errors.length > 0) exitWith(ExitCode.refused);
    });

  oneroster
    .command("export")
    .description("download the server's data as a OneRoster 1.2 bulk package")
    .argument("<out.zip>", "where to write the zip (replaced when it exists)")
    .action(async (file: string, _options: unknown, command: Command) => {
      const { client, json } = contextOf(command);
      const path = userPath(file);
      const partial = `${path}.part`;
      const stream = await client.oneroster.exportPackage();
      try {
        // Streamed to disk as it arrives; the file appears only once it is whole.
        await pipeline(Readable.fromWeb(stream as WebReadableStream<Uint8Array>), createWriteStream(partial));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      const bytes = (await stat(path)).size;
      if (json) printJson({ file, bytes });
      else printLine(`Wrote ${file} (${counted(bytes, "byte")}).`);
    });
}
