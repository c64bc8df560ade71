import { administers } from "@registrar/api";
import { MAX_ONEROSTER_PACKAGE_BYTES } from "@registrar/contract";
import {
  importErrorCodes,
  importOneRoster,
  importWarningCodes,
  MAX_IMPORT_MESSAGE_LENGTH,
  MAX_REPORTED_ISSUES,
  MAX_SOURCED_ID_IN_REPORT,
  onerosterFileModes,
  type PackageBody,
} from "@registrar/core";
import { z } from "zod";
import { defineRoute } from "../http/define-route.ts";

const count = z.number().int().min(0).max(2_147_483_647);
const countsSchema = z
  .object({ created: count, updated: count, unchanged: count, dropped: count, skipped: count })
  .meta({ id: "OneRosterImportCounts" });

const issue = <Code extends readonly [string, ...string[]]>(codes: Code) =>
  z.object({
    file: z.string().max(64).meta({ example: "users.csv" }),
    line: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .nullable()
      .meta({ description: "Physical line in the file (the header is line 1); null for the whole file" }),
    sourced_id: z.string().max(MAX_SOURCED_ID_IN_REPORT).nullable(),
    code: z.enum(codes),
    message: z.string().max(MAX_IMPORT_MESSAGE_LENGTH),
  });

/** The report, as REST sends it (snake_case): the same for a dry run and an applied import. */
export const onerosterImportReportSchema = z
  .object({
    dry_run: z.boolean(),
    oneroster_version: z.string().max(32).meta({ example: "1.2" }),
    files: z.record(z.string().max(64), z.enum(onerosterFileModes)).meta({
      description: "Each file of the manifest (and each file Registrar reads) as bulk, delta or absent",
    }),
    summary: z.object({
      students: countsSchema,
      courses: countsSchema,
      terms: countsSchema,
      enrollments: countsSchema,
      orgs: countsSchema,
    }),
    errors: z.array(issue(importErrorCodes).meta({ id: "OneRosterImportError" })).max(MAX_REPORTED_ISSUES),
    warnings: z
      .array(issue(importWarningCodes).meta({ id: "OneRosterImportWarning" }))
      .max(MAX_REPORTED_ISSUES)
      .meta({ description: `At most ${MAX_REPORTED_ISSUES}; then the last says how many were left out` }),
  })
  .meta({ id: "OneRosterImportReport" });

const querySchema = z.object({
  dry_run: z
    .enum(["true", "false"])
    .optional()
    .meta({ description: "true: check and report, write nothing (default false)" }),
});

export const onerosterImportRoutes = [
  defineRoute<undefined, typeof querySchema, z.ZodType<PackageBody>, { dryRun: boolean; zip: PackageBody }>({
    method: "post",
    path: "/oneroster/imports",
    operationId: "importOneRoster",
    summary: "Import a OneRoster 1.1 or 1.2 CSV package",
    description:
      "Reads a OneRoster CSV package (a zip with manifest.csv; each file bulk, delta or absent) and applies it in " +
      "one transaction: users with the role student become students, classes courses, academic sessions terms, " +
      "student enrollments enrollments. Records are matched by sourcedId (students then by email). Bad rows are " +
      "reported with file, physical line, sourcedId, code and message and skipped; the rest applies. In bulk mode " +
      "the active enrollments of an imported class that the file no longer lists are dropped (reason `oneroster bulk " +
      "import`), never deleted. A full class waitlists where it has waitlist places, else the row fails " +
      "(`course_full`). `dry_run=true` answers the same report (200) and writes nothing. Importing the same package " +
      "again changes nothing. Admin keys only.",
    tag: "OneRoster",
    query: querySchema,
    rawBody: {
      mediaType: "application/zip",
      maxBytes: MAX_ONEROSTER_PACKAGE_BYTES,
      description: "The package: a zip of manifest.csv and the CSV files, at most 50 MiB",
      // read as it arrives (spooled to a temporary file by the import), never held whole
      streamed: true,
    },
    responses: {
      200: { description: "The dry run's report: nothing was written", schema: onerosterImportReportSchema },
      201: { description: "Applied: the report", schema: onerosterImportReportSchema },
    },
    problems: ["invalid_oneroster_package", "sourced_id_taken"],
    access: administers,
    input: ({ query, body }) => ({ dryRun: query.dry_run === "true", zip: body }),
    async handle({ dryRun, zip }, { db, origin }) {
      const report = await importOneRoster(db, zip, { dryRun, actor: origin.actor ?? null });
      return {
        status: dryRun ? 200 : 201,
        body: {
          dry_run: report.dryRun,
          oneroster_version: report.onerosterVersion,
          files: report.files,
          summary: report.summary,
          errors: report.errors.map(({ sourcedId, ...rest }) => ({ ...rest, sourced_id: sourcedId })),
          warnings: report.warnings.map(({ sourcedId, ...rest }) => ({ ...rest, sourced_id: sourcedId })),
        },
      };
    },
  }),
];
