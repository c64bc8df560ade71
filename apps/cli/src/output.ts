/** Writing results: JSON for scripts (`--json`), aligned tables and sentences for people. */

import { currentInvocation } from "./invocation.ts";

export type Column<Row> = { header: string; value: (row: Row) => string | number | null | undefined };

export function printJson(value: unknown): void {
  currentInvocation().stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text: string): void {
  currentInvocation().stdout.write(`${text}\n`);
}

/** Hints and progress go to stderr so that stdout holds only the result. */
export function printNote(text: string): void {
  currentInvocation().stderr.write(`${text}\n`);
}

/** Whether a person is watching stderr (a terminal), so that progress is worth showing. */
export function watched(): boolean {
  return currentInvocation().stderr.isTTY === true;
}

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  // one line per row, whatever the data holds
  return String(value).replace(/[\r\n\t]+/g, " ");
}

export function printTable<Row>(
  rows: readonly Row[],
  columns: ReadonlyArray<Column<Row>>,
  empty: string,
): void {
  if (rows.length === 0) {
    printLine(empty);
    return;
  }
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? "").length)),
  );
  const format = (line: string[]) =>
    line
      .map((text, index) => text.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd();
  printLine(format(columns.map((column) => column.header)));
  for (const line of cells) printLine(format(line));
}

/** `name: value` lines for one record. */
export function printRecord(fields: Array<[string, string | number | null | undefined]>): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) printLine(`${`${name}:`.padEnd(width + 1)} ${cell(value)}`);
}

/** Dates as `2026-11-27 09:14` in UTC: readable, sortable, and the same on every machine. */
export function shortDate(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}
