import { strToU8, zipSync } from "fflate";

/** A CSV line from cells, quoting what needs it. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(",");
}

export type PackageFiles = Record<string, string | string[][]>;

/**
 * A OneRoster CSV package, zipped with fflate: `manifest` gives each file's mode (and
 * `oneroster.version`), `files` the CSVs as text or as rows of cells (CRLF between lines).
 */
export function onerosterZip(options: {
  version?: string;
  modes: Record<string, "bulk" | "delta" | "absent">;
  files: PackageFiles;
  manifest?: false;
}): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  if (options.manifest !== false) {
    const lines = [
      ["propertyName", "value"],
      ["manifest.version", "1.0"],
      ["oneroster.version", options.version ?? "1.2"],
    ];
    for (const [file, mode] of Object.entries(options.modes)) lines.push([`file.${file}`, mode]);
    entries["manifest.csv"] = strToU8(lines.map(csvLine).join("\r\n"));
  }
  for (const [name, content] of Object.entries(options.files)) {
    entries[name] = strToU8(typeof content === "string" ? content : content.map(csvLine).join("\r\n"));
  }
  return zipSync(entries);
}

export const headers = {
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
  users12: [
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
  users11: [
    "sourcedId",
    "status",
    "dateLastModified",
    "orgSourcedIds",
    "role",
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
  ],
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
} as const;

/** A 1.2 users.csv row: the columns that matter, the rest blank. */
export function user12(
  sourcedId: string,
  given: string,
  family: string,
  email: string,
  status = "active",
): string[] {
  const row: string[] = headers.users12.map(() => "");
  row[0] = sourcedId;
  row[1] = status;
  row[3] = "true";
  row[6] = given;
  row[7] = family;
  row[10] = email;
  return row;
}

/** A 1.1 users.csv row with its role. */
export function user11(
  sourcedId: string,
  role: string,
  given: string,
  family: string,
  email: string,
): string[] {
  const row: string[] = headers.users11.map(() => "");
  row[0] = sourcedId;
  row[1] = "active";
  row[4] = role;
  row[7] = given;
  row[8] = family;
  row[11] = email;
  return row;
}

export function role(sourcedId: string, userSourcedId: string, roleName: string): string[] {
  return [sourcedId, "active", "", userSourcedId, "primary", roleName, "", "", "org-1", ""];
}

export function session(
  sourcedId: string,
  title: string,
  type: string,
  start: string,
  end: string,
  parent = "",
): string[] {
  return [sourcedId, "active", "", title, type, start, end, parent, "2026"];
}

export function klass(
  sourcedId: string,
  title: string,
  code: string,
  grades: string,
  terms: string,
  status = "active",
): string[] {
  return [sourcedId, status, "", title, grades, "crs-1", code, "scheduled", "", "org-1", terms, "", "", ""];
}

export function enrollment(
  sourcedId: string,
  classId: string,
  userId: string,
  roleName = "student",
  dates: [string, string] = ["", ""],
  status = "active",
): string[] {
  return [sourcedId, status, "", classId, "org-1", userId, roleName, "false", dates[0], dates[1]];
}
