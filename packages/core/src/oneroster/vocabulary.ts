/**
 * OneRoster's own words, as its CSV binding spells them (1EdTech OneRoster 1.1 and 1.2; the
 * header rows are in ../shared/fixtures/oneroster/SOURCE.md). Shared by the import and the
 * export so that both read and write one vocabulary.
 */

/** The files of a CSV package that Registrar reads, by their manifest names (`file.<name>`). */
export const onerosterFiles = [
  "academicSessions",
  "classes",
  "courses",
  "enrollments",
  "orgs",
  "roles",
  "users",
] as const;
export type OneRosterFile = (typeof onerosterFiles)[number];

/** How the manifest says a file is sent: all of its records, changes only, or not at all. */
export const onerosterFileModes = ["bulk", "delta", "absent"] as const;
export type OneRosterFileMode = (typeof onerosterFileModes)[number];

/** A record's `status`: `inactive` is OneRoster 1.0's word, still found in real files. */
export const onerosterStatuses = ["active", "tobedeleted", "inactive"] as const;

/** `academicSessions.type`, matched case-insensitively; the same four as a Registrar term's type. */
export const onerosterSessionTypes = ["term", "semester", "schoolYear", "gradingPeriod"] as const;

/** `enrollments.role` and the roles of `users.role` (1.1) and `roles.role` (1.2). */
export const onerosterRoles = [
  "administrator",
  "aide",
  "guardian",
  "parent",
  "proctor",
  "relative",
  "student",
  "teacher",
  "districtAdministrator",
  "siteAdministrator",
  "systemAdministrator",
  "principal",
] as const;

/**
 * The columns of each file as the OneRoster 1.2 CSV binding orders them, users.csv with the
 * 1.2.1 header (without 1.2.0's `resourceSourcedIds`, which real 1.2 consumers refuse; see
 * docs/api.md): what the export writes.
 */
export const oneroster12Columns = {
  academicSessions: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "type",
    "startDate",
    "endDate",
    "parentSourcedId",
    "schoolYear",
  ],
  classes: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
  ],
  courses: [
    "sourcedId",
    "status",
    "dateLastModified",
    "schoolYearSourcedId",
    "title",
    "courseCode",
    "grades",
    "orgSourcedId",
    "subjects",
    "subjectCodes",
  ],
  enrollments: [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
  ],
  orgs: ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
  roles: [
    "sourcedId",
    "status",
    "dateLastModified",
    "userSourcedId",
    "roleType",
    "role",
    "beginDate",
    "endDate",
    "orgSourcedId",
    "userProfileSourcedId",
  ],
  users: [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
  ],
} as const satisfies Record<OneRosterFile, readonly string[]>;

/**
 * The columns the import knows in each file: the 1.2 binding's, plus users.csv's 1.2.0
 * `resourceSourcedIds` and 1.1's `orgSourcedIds` and `role`. Any other column is ignored
 * with a warning.
 */
export const onerosterColumns: Record<OneRosterFile, readonly string[]> = {
  ...oneroster12Columns,
  users: [...oneroster12Columns.users, "resourceSourcedIds", "orgSourcedIds", "role"],
};

/** The level of a course whose class names no grades. */
export const UNSPECIFIED_LEVEL = "unspecified";

/** The reason recorded in the history of an enrollment a bulk file stopped listing. */
export const BULK_DROP_REASON = "oneroster bulk import";
/** The reason recorded in the history of an enrollment a file marked `tobedeleted`. */
export const TOBEDELETED_DROP_REASON = "oneroster tobedeleted";

/** The `code` of a row error in an import's report. */
export const importErrorCodes = [
  /** a required value is blank */
  "missing_value",
  /** a value that does not fit (an unknown enum, too long, not an email, not visible ASCII) */
  "invalid_value",
  /** a kept date (`startDate`, `endDate`, `beginDate`) that is not `YYYY-MM-DD`, or in the wrong order */
  "invalid_date",
  /** the row names a row that neither the package nor Registrar has */
  "missing_reference",
  /** a second row with the same `sourcedId` (or the same student and class) in one file */
  "duplicate_row",
  /** the email is another student's */
  "email_taken",
  /** the class has no seat and no waitlist place left */
  "course_full",
  /** the file itself could not be read as CSV */
  "unreadable_file",
] as const;
export type ImportErrorCode = (typeof importErrorCodes)[number];

/** The `code` of a warning: something unusual that was read anyway. */
export const importWarningCodes = [
  "unknown_column",
  "unreadable_date_last_modified",
  "unknown_status",
  "undeclared_file",
  "declared_file_missing",
  "unknown_manifest_value",
  "missing_parent",
  "waitlisted",
  "skipped_row",
  /** the report lists at most MAX_REPORTED_ISSUES errors and as many warnings */
  "report_truncated",
] as const;
export type ImportWarningCode = (typeof importWarningCodes)[number];

/** Errors (and warnings) a report lists at most: a package of a million bad rows must not answer a gigabyte. */
export const MAX_REPORTED_ISSUES = 10_000;
/** A report's message, at most (a sourcedId of 255 characters fits in it twice). */
export const MAX_IMPORT_MESSAGE_LENGTH = 1000;
/** A sourcedId in a report, at most (a longer one is itself an error, and clipped). */
export const MAX_SOURCED_ID_IN_REPORT = 255;
