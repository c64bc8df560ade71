import type { Database } from "@registrar/db";
import { isUniqueViolation } from "../database-errors.ts";
import { RequestProblem } from "../errors.ts";
import { applyImport, type ImportActor, type ImportSummary } from "./apply.ts";
import { type ImportError, type ImportWarning, readOneRosterPackage } from "./package.ts";
import { planImport } from "./plan.ts";
import type { OneRosterFileMode } from "./vocabulary.ts";

/** The answer of `POST /oneroster/imports` (camelCase; REST snake-cases it). */
export type OneRosterImportReport = {
  dryRun: boolean;
  onerosterVersion: string;
  files: Record<string, OneRosterFileMode>;
  summary: ImportSummary;
  errors: ImportError[];
  warnings: ImportWarning[];
};

export type OneRosterImportOptions = { dryRun: boolean; actor?: ImportActor | null };

/** Thrown to roll a dry run back once its report is made. */
class DryRunDone extends Error {
  constructor(readonly report: OneRosterImportReport) {
    super("dry run");
  }
}

/**
 * Imports a OneRoster 1.1 or 1.2 CSV package: reads it (fflate, csv-parse), checks each row,
 * then applies the rest in one transaction (apply.ts). A dry run takes the same path, with
 * the same statements and locks, and rolls back: its report is the report the import would
 * give now. Bad rows are reported and skipped; a package that is not a zip or has no
 * manifest is `invalid_oneroster_package` and nothing is written.
 */
export async function importOneRoster(
  db: Database,
  zip: Uint8Array,
  options: OneRosterImportOptions,
): Promise<OneRosterImportReport> {
  const pkg = readOneRosterPackage(zip);
  const plan = planImport(pkg);
  const actor = options.actor ?? { keyId: null, role: null };
  try {
    return await db.transaction(async (trx) => {
      const { summary, errors, warnings } = await applyImport(trx, plan, actor);
      const report: OneRosterImportReport = {
        dryRun: options.dryRun,
        onerosterVersion: pkg.version,
        files: pkg.files,
        summary,
        errors: errors.sort(byPlace),
        warnings: warnings.sort(byPlace),
      };
      if (options.dryRun) throw new DryRunDone(report);
      return report;
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.report;
    // Another writer took an email or a sourcedId between our read and our write (under
    // our locks only the rows we read are held): the whole import is refused, unwritten.
    if (
      isUniqueViolation(error, "students_email_lower_unique") ||
      isUniqueViolation(error, "students_sourced_id_unique") ||
      isUniqueViolation(error, "courses_sourced_id_unique") ||
      isUniqueViolation(error, "terms_sourced_id_unique")
    ) {
      throw new RequestProblem(
        "sourced_id_taken",
        "Another request created a record with one of this package's emails or sourcedIds while it was applied: nothing was written. Send it again.",
      );
    }
    throw error;
  }
}

function byPlace(a: ImportError | ImportWarning, b: ImportError | ImportWarning): number {
  return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0);
}
