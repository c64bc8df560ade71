import {
  type Database,
  databaseKindOf,
  type OneRosterEntity,
  type OneRosterRow,
  OneRosterRows,
  type OneRosterSchool,
  TERMLESS_SESSION_SOURCED_ID,
} from "@registrar/db";
import { stringify } from "csv-stringify/sync";
import { strToU8, Zip, ZipDeflate } from "fflate";
import { oneroster12Columns } from "../oneroster/vocabulary.ts";

/**
 * The OneRoster 1.2 CSV export (`GET /oneroster/export`): a bulk package of every student,
 * course (as a class and its course), term and active enrollment, streamed. Each file is
 * read in pages of {@link EXPORT_PAGE_SIZE} rows in primary-key order (keyset paging, so
 * every page is an index range scan) and deflated as it is read: memory holds one page and
 * the compressor's window, whatever the data's size. The same data gives the same files,
 * byte for byte: rows in key order, generated sourcedIds derived from ids (see
 * packages/db OneRosterRows), no timestamp but the rows' own.
 *
 * Headers are the OneRoster 1.2 CSV binding's, in its order; users.csv has the 1.2.1 header
 * (without `resourceSourcedIds`), which real 1.2 consumers expect (see docs/api.md).
 */

export const EXPORT_PAGE_SIZE = 1000;

const headers = oneroster12Columns;

type ExportFile = keyof typeof headers;
type CsvRow = Partial<Record<string, string | null>>;

/** Every file the 1.2 manifest names, bulk for those written here, absent for the rest. */
const manifestFiles: ReadonlyArray<readonly [string, "bulk" | "absent"]> = [
  ["academicSessions", "bulk"],
  ["categories", "absent"],
  ["classes", "bulk"],
  ["classResources", "absent"],
  ["courses", "bulk"],
  ["courseResources", "absent"],
  ["demographics", "absent"],
  ["enrollments", "bulk"],
  ["lineItemLearningObjectiveIds", "absent"],
  ["lineItems", "absent"],
  ["lineItemScoreScales", "absent"],
  ["orgs", "bulk"],
  ["resources", "absent"],
  ["resultLearningObjectiveIds", "absent"],
  ["results", "absent"],
  ["resultScoreScales", "absent"],
  ["roles", "bulk"],
  ["scoreScales", "absent"],
  ["userProfiles", "absent"],
  ["userResources", "absent"],
  ["users", "bulk"],
];

const manifestRows = (): CsvRow[] => [
  { propertyName: "manifest.version", value: "1.0" },
  { propertyName: "oneroster.version", value: "1.2" },
  ...manifestFiles.map(([file, mode]) => ({ propertyName: `file.${file}`, value: mode })),
  { propertyName: "source.systemName", value: "Registrar" },
  { propertyName: "source.systemCode", value: "registrar" },
];

/** A page of rows of `entity` as rows of `file` (null when a row has no place in the file). */
function csvRows(file: ExportFile, rows: OneRosterRow[], school: OneRosterSchool): CsvRow[] {
  switch (file) {
    case "academicSessions":
      // The session of term-less classes exists for the REST view only: in the package such
      // a class has no term, as in Registrar.
      return rows.filter((row) => row.sourcedId !== TERMLESS_SESSION_SOURCED_ID);
    case "classes":
      return rows.map((row) => ({
        ...row,
        termSourcedIds: row.termSourcedId === TERMLESS_SESSION_SOURCED_ID ? "" : row.termSourcedId,
      }));
    case "courses":
      return rows;
    case "enrollments":
      // A bulk file is the current state: the active enrollments.
      return rows.filter((row) => row.status === "active");
    case "users":
      return rows.map((row) => ({ ...row, primaryOrgSourcedId: school.sourcedId }));
    case "roles":
      return rows.map((row) => ({
        sourcedId: row.roleSourcedId,
        status: row.status,
        dateLastModified: row.dateLastModified,
        userSourcedId: row.sourcedId,
        roleType: "primary",
        role: "student",
        orgSourcedId: school.sourcedId,
      }));
    case "orgs":
      return rows;
  }
}

const sourceOf: Record<Exclude<ExportFile, "orgs">, Exclude<OneRosterEntity, "orgs">> = {
  academicSessions: "academicSessions",
  classes: "classes",
  courses: "courses",
  enrollments: "enrollments",
  roles: "users",
  users: "users",
};

const csvText = (rows: CsvRow[], columns: readonly string[], header: boolean): string =>
  stringify(rows, { columns: [...columns], header, record_delimiter: "windows" });

/**
 * The package as a stream of zip bytes.
 *
 * On PostgreSQL every file is read in one REPEATABLE READ, READ ONLY transaction, so the
 * package is one snapshot: an enrollment committed during the export never names a class
 * or a user that its files lack, and an import of it reproduces one moment of the data.
 * The compressed package is collected while that transaction reads (0.8 MB for 100,000
 * enrollments) and sent after it commits: the snapshot and its connection last as long as
 * the reading, not as long as a slow client takes (an idle transaction is ended after the
 * statement timeout, and an old snapshot holds back vacuum).
 *
 * On the embedded database a transaction would hold its only connection, and every other
 * request with it, for the whole export (seconds at that size): there the files are read
 * by separate statements, pull-driven (the next page only when the consumer asks for
 * more), and a change committed during an export can show in the files read after it.
 */
export async function* oneRosterExport(
  db: Database,
  school: OneRosterSchool,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<Uint8Array> {
  if (databaseKindOf(db) === "pglite") {
    yield* zippedPages(db, school, pageSize);
    return;
  }
  const zipped = await db.transaction(
    async (trx) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of zippedPages(trx, school, pageSize)) chunks.push(chunk);
      return chunks;
    },
    { isolationLevel: "repeatable read", readOnly: true },
  );
  yield* zipped;
}

/** The files as zip bytes, each read in keyset pages through `db` as the consumer pulls. */
async function* zippedPages(
  db: Database,
  school: OneRosterSchool,
  pageSize: number,
): AsyncGenerator<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  const drain = function* (): Generator<Uint8Array> {
    if (failure) throw failure;
    while (chunks.length > 0) {
      const chunk = chunks.shift();
      if (chunk) yield chunk;
    }
  };

  const manifest = new ZipDeflate("manifest.csv", { level: 6 });
  zip.add(manifest);
  // Not yielded yet: the first chunk comes with the first page read, so that a database
  // that does not answer fails the request before its answer starts.
  manifest.push(strToU8(csvText(manifestRows(), ["propertyName", "value"], true)), true);

  const files: ExportFile[] = [
    "academicSessions",
    "classes",
    "courses",
    "enrollments",
    "orgs",
    "roles",
    "users",
  ];
  for (const file of files) {
    const entry = new ZipDeflate(`${file}.csv`, { level: 6 });
    zip.add(entry);
    let header = true;
    if (file === "orgs") {
      const { rows } = await OneRosterRows.page(db, "orgs", school, {
        predicates: [],
        join: "AND",
        sort: undefined,
        descending: false,
        limit: 1,
        offset: 0,
      });
      entry.push(strToU8(csvText(rows, headers.orgs, true)), true);
      yield* drain();
      continue;
    }
    let after: number[] | undefined;
    for (;;) {
      const page = await OneRosterRows.after(db, sourceOf[file], school, after, pageSize);
      const last = page.rows.length < pageSize;
      const rows = csvRows(file, page.rows, school);
      // The header always (an empty file still has it); then each page's rows.
      if (rows.length > 0 || header) entry.push(strToU8(csvText(rows, headers[file], header)), last);
      else if (last) entry.push(new Uint8Array(0), true);
      header = false;
      yield* drain();
      if (last) break;
      after = page.key;
    }
  }
  zip.end();
  yield* drain();
}
