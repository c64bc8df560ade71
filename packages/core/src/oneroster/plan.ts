import { MAX_COURSE_CODE_LENGTH, MAX_NAME_LENGTH } from "@registrar/contract";
import type { TermType } from "@registrar/db";
import { calendarDateSchema, sourcedIdSchema, studentEmailSchema } from "../schemas.ts";
import type { CsvRow, ImportError, ImportWarning, OneRosterPackage } from "./package.ts";
import {
  type ImportErrorCode,
  type OneRosterFile,
  type OneRosterFileMode,
  onerosterSessionTypes,
  onerosterStatuses,
  UNSPECIFIED_LEVEL,
} from "./vocabulary.ts";

/** What the rows of a package ask for, checked row by row; references are resolved by the apply. */
export type ImportPlan = {
  files: Record<string, OneRosterFileMode>;
  terms: TermRow[];
  courses: CourseRow[];
  students: StudentRow[];
  enrollments: EnrollmentRow[];
  /** rows read but not for Registrar: other roles, orgs, records marked tobedeleted */
  skipped: { terms: number; courses: number; students: number; enrollments: number; orgs: number };
  /** sourcedIds of rows that failed, by file: a reference to one fails with a pointer to it */
  failed: { terms: Set<string>; courses: Set<string>; students: Set<string> };
  /** sourcedIds of records the package marks tobedeleted */
  deleted: { terms: Set<string>; courses: Set<string>; students: Set<string> };
  errors: ImportError[];
  warnings: ImportWarning[];
};

type Located = { file: string; line: number; sourcedId: string };
export type TermRow = Located & {
  name: string;
  type: TermType;
  startsOn: string;
  endsOn: string;
  parentSourcedId: string | null;
};
export type CourseRow = Located & {
  name: string;
  code: string | null;
  level: string;
  termSourcedId: string | null;
};
export type StudentRow = Located & { name: string; email: string | null };
export type EnrollmentRow = Located & {
  classSourcedId: string;
  userSourcedId: string;
  /** `tobedeleted`: drop the pair */
  drop: boolean;
  beginDate: string | null;
  endDate: string | null;
  /** false: the row failed its own checks; it still names a pair a bulk file lists */
  valid: boolean;
};

class RowFailed extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const sessionTypes = new Map(onerosterSessionTypes.map((type) => [type.toLowerCase(), type]));

/** A loose ISO 8601 date or date-time, the forms `dateLastModified` is written in. */
const isoDateTime = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Checks every row of a package on its own; the apply resolves what they reference. */
export function planImport(pkg: OneRosterPackage): ImportPlan {
  const plan: ImportPlan = {
    files: pkg.files,
    terms: [],
    courses: [],
    students: [],
    enrollments: [],
    skipped: { terms: 0, courses: 0, students: 0, enrollments: 0, orgs: 0 },
    failed: { terms: new Set(), courses: new Set(), students: new Set() },
    deleted: { terms: new Set(), courses: new Set(), students: new Set() },
    errors: [...pkg.errors],
    warnings: [...pkg.warnings],
  };

  /** Runs `check` on each row with its common checks; a failed row is reported and left out. */
  function eachRow(
    file: OneRosterFile,
    failedSet: Set<string> | undefined,
    check: (row: CsvRow, common: { sourcedId: string; deleted: boolean }) => void,
    options: { uniqueSourcedId?: boolean } = {},
  ) {
    const fileName = `${file}.csv`;
    const seen = new Set<string>();
    for (const row of pkg.rows[file] ?? []) {
      const raw = row.cells.sourcedId ?? "";
      try {
        if (raw === "") throw new RowFailed("missing_value", "sourcedId is required.");
        const sourcedId = sourcedIdSchema.safeParse(raw);
        if (!sourcedId.success) {
          throw new RowFailed(
            "invalid_value",
            "sourcedId must be 1 to 255 visible characters without spaces.",
          );
        }
        if (options.uniqueSourcedId !== false) {
          if (seen.has(raw))
            throw new RowFailed("duplicate_row", `sourcedId ${raw} is on an earlier row of ${fileName}.`);
          seen.add(raw);
        }
        const status = (row.cells.status ?? "").toLowerCase();
        if (status !== "" && !(onerosterStatuses as readonly string[]).includes(status)) {
          plan.warnings.push(
            warningAt(
              fileName,
              row,
              raw,
              "unknown_status",
              `status "${row.cells.status}" is not active or tobedeleted: read as active.`,
            ),
          );
        }
        const modified = row.cells.dateLastModified ?? "";
        if (modified !== "" && !(isoDateTime.test(modified) && !Number.isNaN(Date.parse(modified)))) {
          plan.warnings.push(
            warningAt(
              fileName,
              row,
              raw,
              "unreadable_date_last_modified",
              `dateLastModified "${modified}" is not an ISO 8601 date or date-time: ignored.`,
            ),
          );
        }
        check(row, { sourcedId: raw, deleted: status === "tobedeleted" });
      } catch (error) {
        if (!(error instanceof RowFailed)) throw error;
        plan.errors.push({
          file: fileName,
          line: row.line,
          sourcedId: raw || null,
          code: error.code,
          message: error.message,
        });
        if (raw) failedSet?.add(raw);
      }
    }
  }

  // academicSessions → terms
  eachRow("academicSessions", plan.failed.terms, (row, { sourcedId, deleted }) => {
    const { cells } = row;
    if (deleted) {
      plan.deleted.terms.add(sourcedId);
      plan.skipped.terms++;
      return;
    }
    const name = text(cells, "title", MAX_NAME_LENGTH);
    const typeValue = required(cells, "type");
    const type = sessionTypes.get(typeValue.toLowerCase());
    if (!type) {
      throw new RowFailed(
        "invalid_value",
        `type "${typeValue}" is not one of ${onerosterSessionTypes.join(", ")}.`,
      );
    }
    const startsOn = date(cells, "startDate", true);
    const endsOn = date(cells, "endDate", true);
    if (startsOn > endsOn)
      throw new RowFailed("invalid_date", `startDate ${startsOn} is after endDate ${endsOn}.`);
    const parent = cells.parentSourcedId ?? "";
    plan.terms.push({
      file: "academicSessions.csv",
      line: row.line,
      sourcedId,
      name,
      type,
      startsOn,
      endsOn,
      parentSourcedId: parent === "" || parent === sourcedId ? null : parent,
    });
  });

  // classes → courses
  eachRow("classes", plan.failed.courses, (row, { sourcedId, deleted }) => {
    const { cells } = row;
    if (deleted) {
      plan.deleted.courses.add(sourcedId);
      plan.skipped.courses++;
      return;
    }
    const name = text(cells, "title", MAX_NAME_LENGTH);
    const code = optionalText(cells, "classCode", MAX_COURSE_CODE_LENGTH);
    const grades = list(cells.grades);
    const level = grades.length > 0 ? grades.join(",") : UNSPECIFIED_LEVEL;
    if (level.length > MAX_NAME_LENGTH) {
      throw new RowFailed("invalid_value", `grades must be at most ${MAX_NAME_LENGTH} characters together.`);
    }
    const [termSourcedId = null] = list(cells.termSourcedIds);
    plan.courses.push({ file: "classes.csv", line: row.line, sourcedId, name, code, level, termSourcedId });
  });

  // orgs and courses (OneRoster's course is a catalogue entry; Registrar's course is its class)
  plan.skipped.orgs = pkg.rows.orgs?.length ?? 0;

  // Who is a student: 1.1 users.role, 1.2 roles.csv, or a student enrollment.
  const studentUsers = new Set<string>();
  for (const row of pkg.rows.roles ?? []) {
    const status = (row.cells.status ?? "").toLowerCase();
    if ((row.cells.role ?? "").toLowerCase() === "student" && status !== "tobedeleted") {
      studentUsers.add(row.cells.userSourcedId ?? "");
    }
  }
  for (const row of pkg.rows.enrollments ?? []) {
    if ((row.cells.role ?? "").toLowerCase() === "student") studentUsers.add(row.cells.userSourcedId ?? "");
  }

  // users → students
  eachRow("users", plan.failed.students, (row, { sourcedId, deleted }) => {
    const { cells } = row;
    const roles = list(cells.role).map((role) => role.toLowerCase());
    if (!roles.includes("student") && !studentUsers.has(sourcedId)) {
      plan.skipped.students++;
      return;
    }
    if (deleted) {
      plan.deleted.students.add(sourcedId);
      plan.skipped.students++;
      return;
    }
    const name = [cells.givenName ?? "", cells.familyName ?? ""].filter((part) => part !== "").join(" ");
    if (name === "") throw new RowFailed("missing_value", "givenName and familyName are both blank.");
    if (name.length > MAX_NAME_LENGTH) {
      throw new RowFailed(
        "invalid_value",
        `givenName and familyName must be at most ${MAX_NAME_LENGTH} characters together.`,
      );
    }
    const emailValue = cells.email ?? "";
    let email: string | null = null;
    if (emailValue !== "") {
      const parsed = studentEmailSchema.safeParse(emailValue);
      if (!parsed.success)
        throw new RowFailed("invalid_value", `email "${emailValue}" is not a valid email address.`);
      email = parsed.data;
    }
    plan.students.push({ file: "users.csv", line: row.line, sourcedId, name, email });
  });

  // enrollments with role student → enrollments
  const pairs = new Set<string>();
  eachRow("enrollments", undefined, (row, { sourcedId, deleted }) => {
    const { cells } = row;
    const role = required(cells, "role").toLowerCase();
    if (role !== "student") {
      plan.skipped.enrollments++;
      return;
    }
    const classSourcedId = required(cells, "classSourcedId");
    const userSourcedId = required(cells, "userSourcedId");
    const enrollment: EnrollmentRow = {
      file: "enrollments.csv",
      line: row.line,
      sourcedId,
      classSourcedId,
      userSourcedId,
      drop: deleted,
      beginDate: null,
      endDate: null,
      valid: false,
    };
    const pair = `${userSourcedId}\u0000${classSourcedId}`;
    if (pairs.has(pair)) {
      throw new RowFailed(
        "duplicate_row",
        `An earlier row enrolls ${userSourcedId} in ${classSourcedId} already.`,
      );
    }
    pairs.add(pair);
    // Listed (for a bulk file) even if its dates fail below: the file still names the pair.
    plan.enrollments.push(enrollment);
    enrollment.beginDate = date(cells, "beginDate", false) || null;
    enrollment.endDate = date(cells, "endDate", false) || null;
    if (enrollment.beginDate && enrollment.endDate && enrollment.beginDate > enrollment.endDate) {
      throw new RowFailed(
        "invalid_date",
        `beginDate ${enrollment.beginDate} is after endDate ${enrollment.endDate}.`,
      );
    }
    enrollment.valid = true;
  });
  return plan;
}

function warningAt(
  file: string,
  row: CsvRow,
  sourcedId: string | null,
  code: ImportWarning["code"],
  message: string,
): ImportWarning {
  return { file, line: row.line, sourcedId, code, message };
}

function required(cells: Record<string, string>, column: string): string {
  const value = cells[column] ?? "";
  if (value === "") throw new RowFailed("missing_value", `${column} is required.`);
  return value;
}

function text(cells: Record<string, string>, column: string, max: number): string {
  const value = required(cells, column);
  checkText(column, value, max);
  return value;
}

function optionalText(cells: Record<string, string>, column: string, max: number): string | null {
  const value = cells[column] ?? "";
  if (value === "") return null;
  checkText(column, value, max);
  return value;
}

function checkText(column: string, value: string, max: number) {
  if (value.length > max)
    throw new RowFailed("invalid_value", `${column} must be at most ${max} characters.`);
  if (value.includes("\u0000"))
    throw new RowFailed("invalid_value", `${column} must not contain the NUL character.`);
}

/** A kept date: `YYYY-MM-DD` (a date-time's date part is taken), a real calendar date. */
function date(cells: Record<string, string>, column: string, isRequired: boolean): string {
  const value = cells[column] ?? "";
  if (value === "") {
    if (isRequired) throw new RowFailed("missing_value", `${column} is required.`);
    return "";
  }
  const candidate = /^\d{4}-\d{2}-\d{2}T/.test(value) ? value.slice(0, 10) : value;
  if (!calendarDateSchema.safeParse(candidate).success) {
    throw new RowFailed("invalid_date", `${column} "${value}" is not a date written YYYY-MM-DD.`);
  }
  return candidate;
}

/** A OneRoster list cell (`"09,10,11"`): its items, trimmed, blanks left out. */
function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
