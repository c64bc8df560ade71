import { readFile } from "node:fs/promises";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { contextOf } from "../context.ts";
import { ExitCode } from "../exit-codes.ts";
import { integerOption } from "../ids.ts";
import {
  type EnrollOutcome,
  enrollPlan,
  type FailedRow,
  fileKeyPrefix,
  planBatches,
} from "../import/enroll-pairs.ts";
import { readEnrollmentCsv } from "../import/read-csv.ts";
import { currentInvocation, exitWith, userPath } from "../invocation.ts";
import { printJson, printLine, watched } from "../output.ts";
import { counted, courseLabel } from "../phrases.ts";

export type ImportSummary = {
  file: string;
  rows: number;
  enrolled: number;
  alreadyEnrolled: number;
  replayed: number;
  duplicates: number;
  failed: FailedRow[];
  notAttempted: number;
};

/** A bar on stderr while batches go out, only when a person is watching. */
function progressBar(enabled: boolean, total: number) {
  if (!enabled || total === 0) return { tick: (_rows: number) => {}, stop: () => {} };
  const bar = new SingleBar({
    stream: currentInvocation().stderr,
    format: "enrolling [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left",
    barCompleteChar: "#",
    barIncompleteChar: "-",
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0);
  return { tick: (rows: number) => bar.increment(rows), stop: () => bar.stop() };
}

function printSummary(summary: ImportSummary, outcome: EnrollOutcome): void {
  printLine(`${summary.file}: ${counted(summary.rows, "row")}`);
  printLine(`  enrolled          ${summary.enrolled}`);
  printLine(`  already enrolled  ${summary.alreadyEnrolled}`);
  if (summary.replayed > 0) {
    printLine(
      `  replayed          ${summary.replayed} (enrolled by an earlier run of this file; nothing done twice)`,
    );
  }
  if (summary.duplicates > 0) printLine(`  duplicate rows    ${summary.duplicates} (sent once)`);
  printLine(`  failed            ${summary.failed.length}`);
  for (const row of summary.failed) {
    printLine(
      `    line ${row.line}: student ${row.studentId}, ${courseLabel(row.courseId, row.courseName === null ? null : { name: row.courseName, code: row.courseCode, termName: row.courseTerm })}: ${row.reason}`,
    );
  }
  if (outcome.unreachable) {
    printLine(`  not attempted     ${summary.notAttempted} (${outcome.unreachable.detail})`);
  }
}

export function registerImportCommand(program: Command): void {
  program
    .command("import")
    .description("enroll the student/course pairs of a CSV file (header: student_id,course_id)")
    .argument("<file.csv>", "CSV with a student_id and a course_id column; other columns are ignored")
    .option("--concurrency <n>", "student batches in flight at once, 1..64", integerOption(1, 64), 4)
    .action(async (file: string, options: { concurrency: number }, command: Command) => {
      const { client, json } = contextOf(command);
      const path = userPath(file);
      const { pairs, faults } = await readEnrollmentCsv(path);
      // Keys from the file's bytes: a re-run of the same file (after a crash, or twice)
      // sends the same Idempotency-Key for the same rows.
      const keyPrefix = fileKeyPrefix(await readFile(path));
      const plan = planBatches(pairs);
      const total = plan.batches.reduce((sum, batch) => sum + batch.rows.length, 0);
      const bar = progressBar(!json && watched(), total);
      let outcome: EnrollOutcome;
      try {
        outcome = await enrollPlan(client, plan, {
          concurrency: options.concurrency,
          keyPrefix,
          onProgress: bar.tick,
        });
      } finally {
        bar.stop();
      }
      const invalid = faults.map((fault) => ({
        ...fault,
        courseName: null,
        courseCode: null,
        courseTerm: null,
        code: "invalid_row",
      }));
      const failed = [...invalid, ...outcome.failed].sort((a, b) => a.line - b.line);
      const summary: ImportSummary = {
        file,
        rows: pairs.length + faults.length,
        enrolled: outcome.enrolled,
        alreadyEnrolled: outcome.alreadyEnrolled,
        replayed: outcome.replayed,
        duplicates: outcome.duplicates,
        failed,
        notAttempted: outcome.notAttempted,
      };
      if (json)
        printJson(outcome.unreachable ? { ...summary, unreachable: outcome.unreachable.detail } : summary);
      else printSummary(summary, outcome);
      if (outcome.unreachable) exitWith(ExitCode.unreachable);
      else if (failed.length > 0) exitWith(ExitCode.refused);
    });
}
