import { parse } from "csv-parse/sync";
import { unzipSync } from "fflate";
import { RequestProblem } from "../errors.ts";
import {
  type ImportErrorCode,
  type ImportWarningCode,
  type OneRosterFile,
  type OneRosterFileMode,
  onerosterColumns,
  onerosterFileModes,
  onerosterFiles,
} from "./vocabulary.ts";

/** A problem with one row (or one file) of a package, as the import's report lists it. */
export type ImportIssue<Code extends string> = {
  file: string;
  /** the physical line of the row in its file, the header being line 1; null for the whole file */
  line: number | null;
  sourcedId: string | null;
  code: Code;
  message: string;
};
export type ImportError = ImportIssue<ImportErrorCode>;
export type ImportWarning = ImportIssue<ImportWarningCode>;

/** One data row: its physical line and its cells by (known) column name, trimmed. */
export type CsvRow = { line: number; cells: Record<string, string> };

/** A package as read: the manifest's modes and the rows of each file it sends. */
export type OneRosterPackage = {
  version: string;
  /** every `file.*` of the manifest, and `absent` for the files Registrar reads that it leaves out */
  files: Record<string, OneRosterFileMode>;
  rows: Partial<Record<OneRosterFile, CsvRow[]>>;
  errors: ImportError[];
  warnings: ImportWarning[];
};

/**
 * What an unzipped package may weigh: its zip is at most 50 MiB, but a zip can claim (and
 * hold) far more; Registrar reads CSVs only and refuses a package whose CSVs would unzip to
 * more than this, before inflating any of them.
 */
const MAX_UNZIPPED_BYTES = 512 * 1024 * 1024;

const invalidPackage = (detail: string) => new RequestProblem("invalid_oneroster_package", detail);

/** The last segment of a path in the zip: packages made by hand often sit in a folder. */
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * Reads a OneRoster CSV package (a zip with `manifest.csv`) with fflate and csv-parse.
 * Throws `invalid_oneroster_package` when it is not a zip or has no manifest; anything
 * wrong inside a file becomes an error or a warning of the report, never an exception.
 */
export function readOneRosterPackage(zip: Uint8Array): OneRosterPackage {
  let declared = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter(file) {
        if (!/\.csv$/i.test(file.name) || file.name.startsWith("__MACOSX/")) return false;
        declared += file.originalSize;
        if (declared > MAX_UNZIPPED_BYTES) throw new TooLarge();
        return true;
      },
    });
  } catch (error) {
    if (error instanceof TooLarge) {
      throw invalidPackage("The package's CSV files unzip to more than 512 MiB: send it in smaller parts.");
    }
    throw invalidPackage("The body is not a readable zip file: a OneRoster CSV package is a zip.");
  }
  const byName = new Map<string, Uint8Array>();
  for (const [path, bytes] of Object.entries(entries)) {
    const name = baseName(path);
    if (!byName.has(name)) byName.set(name, bytes);
  }
  /** A file by its exact name, else by its name in any letter case. */
  const find = (name: string): [string, Uint8Array] | undefined => {
    const exact = byName.get(name);
    if (exact) return [name, exact];
    const lower = name.toLowerCase();
    for (const [candidate, bytes] of byName) if (candidate.toLowerCase() === lower) return [candidate, bytes];
    return undefined;
  };
  const manifestFile = find("manifest.csv");
  if (!manifestFile) throw invalidPackage("The zip has no manifest.csv: it is not a OneRoster CSV package.");

  const errors: ImportError[] = [];
  const warnings: ImportWarning[] = [];
  const manifest = readCsv("manifest.csv", manifestFile[1], errors);
  const properties = new Map<string, string>();
  for (const row of manifest?.records ?? []) {
    const [name, value = ""] = row.values;
    if (name) properties.set(name.trim(), value.trim());
  }
  const files: Record<string, OneRosterFileMode> = {};
  for (const file of onerosterFiles) files[file] = "absent";
  for (const [property, value] of properties) {
    if (!property.startsWith("file.")) continue;
    const file = property.slice("file.".length);
    const mode = onerosterFileModes.find((candidate) => candidate === value.toLowerCase());
    if (!mode && value !== "") {
      warnings.push({
        file: "manifest.csv",
        line: null,
        sourcedId: null,
        code: "unknown_manifest_value",
        message: `${property} is "${value}", which is not bulk, delta or absent: the file is read as absent.`,
      });
    }
    files[file] = mode ?? "absent";
  }

  const rows: OneRosterPackage["rows"] = {};
  for (const file of onerosterFiles) {
    const fileName = `${file}.csv`;
    const found = find(fileName);
    if (files[file] === "absent") {
      if (found && found[0] === fileName) {
        warnings.push({
          file: fileName,
          line: null,
          sourcedId: null,
          code: "undeclared_file",
          message: `${fileName} is in the zip but the manifest does not declare it bulk or delta: it was not read.`,
        });
      }
      continue;
    }
    if (!found) {
      warnings.push({
        file: fileName,
        line: null,
        sourcedId: null,
        code: "declared_file_missing",
        message: `The manifest declares ${fileName} ${files[file]} but the zip has no such file: it was read as absent.`,
      });
      files[file] = "absent";
      continue;
    }
    const table = readCsv(fileName, found[1], errors);
    if (!table) {
      // An unreadable file is treated as absent: in bulk mode it must not drop anything.
      files[file] = "absent";
      continue;
    }
    rows[file] = namedRows(file, fileName, table, warnings);
  }
  const version = properties.get("oneroster.version") || (files.roles !== "absent" ? "1.2" : "1.1");
  return { version, files, rows, errors, warnings };
}

class TooLarge extends Error {}

type CsvTable = { header: string[]; records: Array<{ line: number; values: string[] }> };

/**
 * A file's records with the physical line each starts on (header = line 1). csv-parse
 * counts a quoted CRLF as two lines, so lines are counted here from the byte offset at
 * which each record starts, which it reports exactly.
 */
function readCsv(fileName: string, bytes: Uint8Array, errors: ImportError[]): CsvTable | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newlines: number[] = [];
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1))
    newlines.push(index);
  /** 1 + the newlines before `offset` (binary search). */
  const lineAt = (offset: number) => {
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((newlines[middle] as number) < offset) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
  let parsed: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    parsed = parse(buffer, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { bytes: number } }>;
  } catch (error) {
    const line =
      typeof (error as { lines?: unknown }).lines === "number" ? (error as { lines: number }).lines : null;
    errors.push({
      file: fileName,
      line,
      sourcedId: null,
      code: "unreadable_file",
      message: `${fileName} is not readable as CSV (${(error as Error).message.split(":")[0]}): none of its rows were applied.`,
    });
    return undefined;
  }
  const records: CsvTable["records"] = [];
  let start = 0;
  for (const { record, info } of parsed) {
    // Skip the empty lines before the record: csv-parse skipped them too.
    while (start < buffer.length && (buffer[start] === 10 || buffer[start] === 13)) start++;
    // A byte-order mark is not a line's content.
    records.push({ line: lineAt(start), values: record });
    start = info.bytes;
  }
  const [header, ...data] = records;
  if (!header) return { header: [], records: [] };
  return { header: header.values.map((cell) => cell.trim()), records: data };
}

/** Rows by column name: known columns matched case-insensitively; others ignored with a warning. */
function namedRows(
  file: OneRosterFile,
  fileName: string,
  table: CsvTable,
  warnings: ImportWarning[],
): CsvRow[] {
  const known = new Map(onerosterColumns[file].map((column) => [column.toLowerCase(), column]));
  const columns = table.header.map((cell) => {
    if (cell === "") return undefined;
    const column = known.get(cell.toLowerCase());
    if (!column) {
      warnings.push({
        file: fileName,
        line: 1,
        sourcedId: null,
        code: "unknown_column",
        message: `Column "${cell}" is not a OneRoster ${file} column: it was ignored.`,
      });
    }
    return column;
  });
  return table.records
    .filter((record) => record.values.some((value) => value.trim() !== ""))
    .map((record) => {
      const cells: Record<string, string> = {};
      columns.forEach((column, index) => {
        if (column) cells[column] = (record.values[index] ?? "").trim();
      });
      return { line: record.line, cells };
    });
}
