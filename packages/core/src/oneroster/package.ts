import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { CsvError, parse } from "csv-parse";
import yauzl from "yauzl";
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
 * more than this, before inflating any of them (yauzl holds each entry to the size its
 * central directory claims).
 */
const MAX_UNZIPPED_BYTES = 512 * 1024 * 1024;

const invalidPackage = (detail: string) => new RequestProblem("invalid_oneroster_package", detail);
const notAZip = () =>
  invalidPackage("The body is not a readable zip file: a OneRoster CSV package is a zip.");

/** The last segment of a path in the zip: packages made by hand often sit in a folder. */
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** A package as it arrives: whole, or as a stream of its bytes (a request body). */
export type PackageBody = Uint8Array | ReadableStream<Uint8Array>;

/**
 * Reads a OneRoster CSV package (a zip with `manifest.csv`) with yauzl and csv-parse,
 * streamed: memory holds the rows read (the import's working set), never the zip or a
 * whole CSV. A body that arrives as a stream is first written to a temporary file, as it
 * comes: a zip's index is at its end, and only that index tells where each entry ends (a
 * forward-only reader must guess at entries written with a data descriptor, as fflate's
 * and zip.js's streaming writers and Java's ZipOutputStream write them, and a guess can
 * cut an entry short). The stream's own errors (a size cap's) are thrown as they are.
 *
 * Throws `invalid_oneroster_package` when it is not a zip or has no manifest; anything
 * wrong inside a file becomes an error or a warning of the report, never an exception.
 */
export async function readOneRosterPackage(body: PackageBody): Promise<OneRosterPackage> {
  const options = { lazyEntries: true, autoClose: false, strictFileNames: false } as const;
  if (body instanceof Uint8Array) {
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return readZip(() => yauzl.fromBufferPromise(buffer, options));
  }
  const directory = await mkdtemp(join(tmpdir(), "registrar-oneroster-"));
  try {
    const path = join(directory, "package.zip");
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(path));
    return await readZip(() => yauzl.openPromise(path, options));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function readZip(open: () => Promise<yauzl.ZipFile>): Promise<OneRosterPackage> {
  let zip: yauzl.ZipFile;
  try {
    zip = await open();
  } catch {
    throw notAZip();
  }
  try {
    return await readEntries(zip);
  } finally {
    zip.close();
  }
}

async function readEntries(zip: yauzl.ZipFile): Promise<OneRosterPackage> {
  let declared = 0;
  const byName = new Map<string, yauzl.Entry>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (!/\.csv$/i.test(entry.fileName) || entry.fileName.startsWith("__MACOSX/")) continue;
      declared += entry.uncompressedSize;
      if (declared > MAX_UNZIPPED_BYTES) throw new TooLarge();
      const name = baseName(entry.fileName);
      if (!byName.has(name)) byName.set(name, entry);
    }
  } catch (error) {
    if (error instanceof TooLarge) {
      throw invalidPackage("The package's CSV files unzip to more than 512 MiB: send it in smaller parts.");
    }
    throw notAZip();
  }
  /** A file by its exact name, else by its name in any letter case. */
  const find = (name: string): [string, yauzl.Entry] | undefined => {
    const exact = byName.get(name);
    if (exact) return [name, exact];
    const lower = name.toLowerCase();
    for (const [candidate, entry] of byName) if (candidate.toLowerCase() === lower) return [candidate, entry];
    return undefined;
  };
  const manifestFile = find("manifest.csv");
  if (!manifestFile) throw invalidPackage("The zip has no manifest.csv: it is not a OneRoster CSV package.");

  const errors: ImportError[] = [];
  const warnings: ImportWarning[] = [];
  const properties = new Map<string, string>();
  const manifest: string[][] = [];
  if (!(await readCsv(zip, "manifest.csv", manifestFile[1], errors, (values) => manifest.push(values)))) {
    manifest.length = 0;
  }
  for (const [name, value = ""] of manifest.slice(1)) if (name) properties.set(name.trim(), value.trim());
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
    const named = new NamedRows(file, fileName);
    if (!(await readCsv(zip, fileName, found[1], errors, (values, line) => named.add(values, line)))) {
      // An unreadable file is treated as absent: in bulk mode it must not drop anything.
      files[file] = "absent";
      continue;
    }
    rows[file] = named.rows;
    warnings.push(...named.warnings);
  }
  const version = properties.get("oneroster.version") || (files.roles !== "absent" ? "1.2" : "1.1");
  return { version, files, rows, errors, warnings };
}

class TooLarge extends Error {}

/**
 * Streams one CSV entry of the zip through csv-parse, giving each record with the physical
 * line it starts on (header = line 1) to `onRecord`. False, with an `unreadable_file`
 * error, when the file is not CSV (what `onRecord` had by then must be dropped); a zip
 * whose entry does not inflate is `invalid_oneroster_package`.
 */
async function readCsv(
  zip: yauzl.ZipFile,
  fileName: string,
  entry: yauzl.Entry,
  errors: ImportError[],
  onRecord: (values: string[], line: number) => void,
): Promise<boolean> {
  const lines = new LineCounter();
  let start = 0;
  try {
    await pipeline(
      await zip.openReadStreamPromise(entry),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          lines.add(chunk);
          done(null, chunk);
        },
      }),
      parse({ bom: true, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
      new Writable({
        objectMode: true,
        write({ record, info }: { record: string[]; info: { bytes: number } }, _encoding, done) {
          onRecord(record, lines.lineOfRecordAt(start));
          start = info.bytes;
          done();
        },
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof CsvError)) throw notAZip();
    const line = typeof error.lines === "number" ? error.lines : null;
    errors.push({
      file: fileName,
      line,
      sourcedId: null,
      code: "unreadable_file",
      message: `${fileName} is not readable as CSV (${error.message.split(":")[0]}): none of its rows were applied.`,
    });
    return false;
  }
}

/**
 * The physical line of byte offsets of a stream read once, front to back, holding only the
 * bytes not yet passed. csv-parse counts a quoted CRLF as two lines, so lines are counted
 * here from the byte offset at which each record starts, which it reports exactly.
 */
class LineCounter {
  private readonly chunks: Buffer[] = [];
  /** the offset of chunks[0]'s first byte */
  private base = 0;
  private cursor = 0;
  /** the line the cursor is on */
  private line = 1;

  add(chunk: Buffer) {
    this.chunks.push(chunk);
  }

  /**
   * The line of the record whose bytes follow `offset` (where the one before ended): the
   * empty lines before it are skipped, as csv-parse skipped them.
   */
  lineOfRecordAt(offset: number): number {
    this.advanceTo(offset);
    for (;;) {
      const byte = this.byteAtCursor();
      if (byte !== 10 && byte !== 13) break;
      this.advanceTo(this.cursor + 1);
    }
    return this.line;
  }

  private byteAtCursor(): number | undefined {
    let base = this.base;
    for (const chunk of this.chunks) {
      if (this.cursor < base + chunk.length) return chunk[this.cursor - base];
      base += chunk.length;
    }
    return undefined;
  }

  private advanceTo(offset: number) {
    while (this.cursor < offset) {
      const chunk = this.chunks[0];
      if (!chunk) return;
      const end = Math.min(offset, this.base + chunk.length);
      for (
        let index = chunk.indexOf(10, this.cursor - this.base);
        index !== -1 && this.base + index < end;
        index = chunk.indexOf(10, index + 1)
      )
        this.line++;
      this.cursor = end;
      if (end === this.base + chunk.length) {
        this.chunks.shift();
        this.base = end;
      }
    }
  }
}

/** Rows by column name: known columns matched case-insensitively; others ignored with a warning. */
class NamedRows {
  readonly rows: CsvRow[] = [];
  readonly warnings: ImportWarning[] = [];
  private columns: Array<string | undefined> | undefined;

  constructor(
    private readonly file: OneRosterFile,
    private readonly fileName: string,
  ) {}

  /** The header first, then each record. */
  add(values: string[], line: number) {
    if (!this.columns) {
      this.columns = this.columnsOf(values.map((cell) => cell.trim()));
      return;
    }
    if (!values.some((value) => value.trim() !== "")) return;
    const cells: Record<string, string> = {};
    this.columns.forEach((column, index) => {
      if (column) cells[column] = (values[index] ?? "").trim();
    });
    this.rows.push({ line, cells });
  }

  private columnsOf(header: string[]) {
    const known = new Map(onerosterColumns[this.file].map((column) => [column.toLowerCase(), column]));
    return header.map((cell) => {
      if (cell === "") return undefined;
      const column = known.get(cell.toLowerCase());
      if (!column) {
        this.warnings.push({
          file: this.fileName,
          line: 1,
          sourcedId: null,
          code: "unknown_column",
          message: `Column "${cell}" is not a OneRoster ${this.file} column: it was ignored.`,
        });
      }
      return column;
    });
  }
}
