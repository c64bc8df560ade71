import type { Database } from "@registrar/db";
import { isUniqueViolation } from "../database-errors.ts";
import { clipped, RequestProblem } from "../errors.ts";
import { applyImport, type ImportActor, type ImportSummary } from "./apply.ts";
import { type ImportError, type ImportWarning, type PackageBody, readOneRosterPackage } from "./package.ts";
import { planImport } from "./plan.ts";
import {
  MAX_IMPORT_MESSAGE_LENGTH,
  MAX_REPORTED_ISSUES,
  MAX_SOURCED_ID_IN_REPORT,
  type OneRosterFileMode,
} from "./vocabulary.ts";

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
 * Imports a OneRoster 1.1 or 1.2 CSV package: reads it, streamed (package.ts: yauzl,
 * csv-parse), and checks each row before any transaction starts (a slow upload holds no
 * lock), then applies the rest in one transaction (apply.ts). A dry run takes the same path, with
 * the same statements and locks but the last (whose answer the report does not read), and
 * rolls back: its report is the report the import would give now. Bad rows are reported and skipped; a package that is not a zip or has no
 * manifest is `invalid_oneroster_package` and nothing is written.
 */
export async function importOneRoster(
  db: Database,
  zip: PackageBody,
  options: OneRosterImportOptions,
): Promise<OneRosterImportReport> {
  const pkg = await readOneRosterPackage(zip);
  const plan = planImport(pkg);
  const actor = options.actor ?? { keyId: null, role: null };
  try {
    return await db.transaction(async (trx) => {
      const { summary, errors, warnings } = await applyImport(trx, plan, actor, { dryRun: options.dryRun });
      const report: OneRosterImportReport = {
        dryRun: options.dryRun,
        onerosterVersion: pkg.version,
        files: pkg.files,
        summary,
        ...bounded(errors.sort(byPlace), warnings.sort(byPlace)),
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

/**
 * The report's lists, each at most MAX_REPORTED_ISSUES long (the first, by file and line),
 * with every text clipped to what the answer's schema allows; a last warning says how many
 * were left out.
 */
function bounded(errors: ImportError[], warnings: ImportWarning[]) {
  const clip = <Issue extends ImportError | ImportWarning>(issue: Issue): Issue => ({
    ...issue,
    sourcedId: issue.sourcedId === null ? null : clipped(issue.sourcedId, MAX_SOURCED_ID_IN_REPORT),
    message: clipped(issue.message, MAX_IMPORT_MESSAGE_LENGTH),
  });
  const leftOut = Math.max(0, errors.length - MAX_REPORTED_ISSUES);
  const warningsLeftOut = Math.max(0, warnings.length - (MAX_REPORTED_ISSUES - 1));
  const keptWarnings = warnings.slice(0, leftOut + warningsLeftOut > 0 ? MAX_REPORTED_ISSUES - 1 : undefined);
  if (leftOut + warningsLeftOut > 0) {
    keptWarnings.push({
      file: "manifest.csv",
      line: null,
      sourcedId: null,
      code: "report_truncated",
      message: `This report lists the first ${MAX_REPORTED_ISSUES} errors and warnings of each kind: ${leftOut} more errors and ${warningsLeftOut} more warnings were left out.`,
    });
  }
  return { errors: errors.slice(0, MAX_REPORTED_ISSUES).map(clip), warnings: keptWarnings.map(clip) };
}
