import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { MAX_ONEROSTER_PACKAGE_BYTES, type OneRosterImportReport } from "@registrar/sdk";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { currentInvocation, exitWith, userPath } from "../invocation.ts";
import { printJson, printLine, watched } from "../output.ts";
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

const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * The import's progress on stderr (stdout holds only the report): the bytes sent, then
 * the server's phase. On a terminal one line rewritten in place (a carriage return, no
 * escape codes); elsewhere (`--progress` into a pipe or a log) a line per tenth sent.
 */
function importProgress(file: string, total: number, dryRun: boolean, terminal: boolean) {
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  let width = 0;
  let shownTenth = -1;
  let ended = false;
  const show = (text: string, final = false) => {
    // fetch may still read a chunk or two after a refusal: nothing is shown after the end
    if (ended) return;
    ended = final;
    if (terminal) {
      currentInvocation().stderr.write(`\r${text.padEnd(width)}${final ? "\n" : ""}`);
      width = final ? 0 : text.length;
    } else {
      currentInvocation().stderr.write(`${text}\n`);
    }
  };
  return {
    sent(bytes: number) {
      const tenth = total === 0 ? 10 : Math.floor((bytes / total) * 10);
      if (!terminal && tenth === shownTenth) return;
      shownTenth = tenth;
      const percent = total === 0 ? 100 : Math.floor((bytes / total) * 100);
      show(`uploading ${file}: ${mebibytes(bytes)} of ${mebibytes(total)} (${percent}%)`);
    },
    uploaded() {
      show(
        `uploaded ${file} (${counted(total, "byte")}) in ${seconds()}; the server is reading and ${dryRun ? "checking" : "applying"} it…`,
      );
    },
    done(ok: boolean) {
      show(
        ok
          ? `${dryRun ? "checked" : "imported"} ${file} in ${seconds()}`
          : `${file}: refused after ${seconds()}`,
        true,
      );
    },
  };
}

/** The file as a stream of its bytes, telling `onBytes` how many have been read (sent) so far. */
function countedFileStream(path: string, onBytes: (bytes: number) => void, onEnd: () => void) {
  let bytes = 0;
  return (Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        onBytes(bytes);
        controller.enqueue(chunk);
      },
      flush: onEnd,
    }),
  );
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
    .option("--progress", "show the upload and the server's phase on stderr (the default on a terminal)")
    .option("--no-progress", "show no progress, even on a terminal")
    .action(async (file: string, options: { dryRun: boolean; progress?: boolean }, command: Command) => {
      const { client, json } = contextOf(command);
      const path = userPath(file);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (error) {
        throw new UsageError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      if (size > MAX_ONEROSTER_PACKAGE_BYTES) {
        throw new UsageError(`${file} is ${counted(size, "byte")}: a package may be at most 50 MiB.`);
      }
      const terminal = watched();
      const progress =
        (options.progress ?? (terminal && !json))
          ? importProgress(file, size, options.dryRun, terminal)
          : undefined;
      // Streamed from the disk as it is sent: the package is never held whole.
      const body = countedFileStream(
        path,
        (bytes) => progress?.sent(bytes),
        () => progress?.uploaded(),
      );
      let report: OneRosterImportReport;
      try {
        report = await client.oneroster.importPackage(body, { dryRun: options.dryRun });
      } catch (error) {
        progress?.done(false);
        throw error;
      }
      progress?.done(true);
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
