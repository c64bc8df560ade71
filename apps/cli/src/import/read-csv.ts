import { open } from "node:fs/promises";
import { CsvError, parse } from "csv-parse";
import { UsageError } from "../exit-codes.ts";
import { ID_RULE, parseId } from "../ids.ts";

/** One enrollment asked for by the file; `line` is where it sits, for the report. */
export type CsvPair = { line: number; studentId: number; courseId: number };

/** A row that cannot be sent at all (a missing or malformed id). */
export type CsvRowFault = { line: number; studentId: string; courseId: string; reason: string };

const REQUIRED_COLUMNS = ["student_id", "course_id"] as const;

type Row = Partial<Record<string, string>>;

/**
 * Reads an enrollment CSV: a header naming `student_id` and `course_id` (any order, other
 * columns ignored), then one enrollment per row. Bad rows are collected, not fatal; a
 * missing file, a missing column or broken quoting is a usage error and nothing is sent.
 */
export async function readEnrollmentCsv(path: string): Promise<{ pairs: CsvPair[]; faults: CsvRowFault[] }> {
  let header: string[] = [];
  const file = await open(path).catch((error: unknown) => {
    throw asUsageError(path, error);
  });
  const input = file.createReadStream();
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    columns: (names: string[]) => {
      header = names.map((name) => name.trim().toLowerCase());
      const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
      if (missing.length > 0) {
        throw new UsageError(
          `${path}: the header must name ${REQUIRED_COLUMNS.join(" and ")}; missing ${missing.join(", ")}.`,
        );
      }
      return header;
    },
  });
  // pipe() does not forward read errors (EISDIR, EIO): hand them to the parser's iterator.
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  const pairs: CsvPair[] = [];
  const faults: CsvRowFault[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
      const line = info.lines;
      const studentText = record.student_id ?? "";
      const courseText = record.course_id ?? "";
      const studentId = parseId(studentText);
      const courseId = parseId(courseText);
      if (studentId !== undefined && courseId !== undefined) {
        pairs.push({ line, studentId, courseId });
        continue;
      }
      const wrong = [
        studentId === undefined ? `the student_id ${JSON.stringify(studentText)}` : undefined,
        courseId === undefined ? `the course_id ${JSON.stringify(courseText)}` : undefined,
      ].filter((text) => text !== undefined);
      const subject = wrong.join(" and ");
      faults.push({
        line,
        studentId: studentText,
        courseId: courseText,
        reason: `${subject[0]?.toUpperCase()}${subject.slice(1)} ${wrong.length > 1 ? "are not ids" : "is not an id"}: an id ${ID_RULE}`,
      });
    }
  } catch (error) {
    throw asUsageError(path, error);
  } finally {
    input.destroy();
    await file.close().catch(() => {});
  }
  if (header.length === 0) throw new UsageError(`${path} is empty; it needs a student_id,course_id header.`);
  return { pairs, faults };
}

function asUsageError(path: string, error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  // csv-parse wraps what the `columns` callback throws
  if (error instanceof CsvError && error.cause instanceof UsageError) return error.cause;
  if (error instanceof CsvError) return new UsageError(`${path} is not valid CSV: ${error.message}`);
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return new UsageError(`${path}: no such file.`);
  if (code === "EISDIR") return new UsageError(`${path} is a folder, not a CSV file.`);
  if (code === "EACCES") return new UsageError(`${path}: permission denied.`);
  return new UsageError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
}
