import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "@registrar/db";
import { parse } from "csv-parse/sync";
import { strFromU8, strToU8, unzipSync, Zip, ZipDeflate } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing.ts";
import { expectProblem } from "../http-client.ts";
import {
  csvLine,
  enrollment,
  headers,
  klass,
  onerosterZip,
  role,
  session,
  user11,
  user12,
} from "./package-builder.ts";

/** The fixtures of ../shared/fixtures/oneroster (see its SOURCE.md), read in place, never copied. */
const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(process.cwd(), "../shared/fixtures/oneroster", name)));

/**
 * The records of one CSV of a fixture package, read from the package itself, so that the
 * expected values come from the fixture in place and none of its data is written here.
 */
function fixtureRows(zip: string, file: string): Array<Record<string, string>> {
  const entries = unzipSync(fixture(zip));
  const name = Object.keys(entries).find((entry) => entry.toLowerCase().endsWith(file.toLowerCase()));
  if (!name) throw new Error(`${zip} has no ${file}`);
  return parse(strFromU8(entries[name] as Uint8Array), { columns: true, skip_empty_lines: true, bom: true });
}

type Counts = { created: number; updated: number; unchanged: number; dropped: number; skipped: number };
type Issue = { file: string; line: number | null; sourced_id: string | null; code: string; message: string };
type Report = {
  dry_run: boolean;
  oneroster_version: string;
  files: Record<string, string>;
  summary: { students: Counts; courses: Counts; terms: Counts; enrollments: Counts; orgs: Counts };
  errors: Issue[];
  warnings: Issue[];
};

const counts = (partial: Partial<Counts>): Counts => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  dropped: 0,
  skipped: 0,
  ...partial,
});

async function importZip(
  baseUrl: string,
  zip: Uint8Array,
  options: { dryRun?: boolean; token?: string; contentType?: string } = {},
) {
  const response = await fetch(`${baseUrl}/oneroster/imports?dry_run=${options.dryRun ? "true" : "false"}`, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/zip",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: zip,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Report, text };
}

/** Rows of every table an import writes, and the history: what a dry run must leave alone. */
async function tableCounts(db: Database) {
  const result = await db.raw<{ rows: Array<Record<string, number>> }>(
    `select (select count(*)::int from students) as students, (select count(*)::int from courses) as courses,
       (select count(*)::int from terms) as terms, (select count(*)::int from student_courses) as enrollments,
       (select count(*)::int from enrollment_history) as history,
       (select max(updated_at)::text from students) as students_updated,
       (select max(updated_at)::text from courses) as courses_updated,
       (select max(updated_at)::text from terms) as terms_updated`,
  );
  return result.rows[0];
}

describe("OneRoster import of the fixtures (other projects' packages)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("v1p2_full_dataset: a dry run reports and writes nothing; the import applies the same report", async () => {
    const before = await tableCounts(server.database.db);
    const dry = await importZip(server.baseUrl, fixture("v1p2_full_dataset.zip"), { dryRun: true });
    expect(dry.status, dry.text).toBe(200);
    expect(await tableCounts(server.database.db)).toEqual(before);

    const applied = await importZip(server.baseUrl, fixture("v1p2_full_dataset.zip"));
    expect(applied.status, applied.text).toBe(201);
    expect({ ...dry.body, dry_run: false }).toEqual(applied.body);
    const report = applied.body;
    expect(report.oneroster_version).toBe("1.2");
    expect(report.files).toMatchObject({
      users: "bulk",
      roles: "bulk",
      classes: "bulk",
      enrollments: "bulk",
      academicSessions: "bulk",
      courses: "absent",
      scoreScales: "absent",
    });
    expect(report.summary).toEqual({
      // three users are students in roles.csv and one by his student enrollments; a
      // teacher-and-guardian and a site administrator are not
      students: counts({ created: 4, skipped: 2 }),
      // the second class is tobedeleted
      courses: counts({ created: 1, skipped: 1 }),
      terms: counts({ created: 4, skipped: 1 }),
      // two teacher enrollments skipped; two student ones in the tobedeleted class fail (below)
      enrollments: counts({ created: 2, skipped: 2 }),
      orgs: counts({ skipped: 1 }),
    });
    // a row's line is its physical line (the header is line 1; these files have no quoted newlines)
    const enrollmentRows = fixtureRows("v1p2_full_dataset.zip", "enrollments.csv");
    expect(report.errors.map((e) => [e.file, e.line, e.sourced_id, e.code])).toEqual([
      ["enrollments.csv", 6, enrollmentRows[4]?.sourcedId, "missing_reference"],
      ["enrollments.csv", 7, enrollmentRows[5]?.sourcedId, "missing_reference"],
    ]);
    const warned = report.warnings.map((w) => `${w.file}:${w.line}:${w.code}`);
    expect(warned).toEqual(
      expect.arrayContaining([
        "users.csv:1:unknown_column",
        "roles.csv:1:unknown_column",
        "users.csv:2:unreadable_date_last_modified",
        "users.csv:7:unreadable_date_last_modified",
        "academicSessions.csv:3:missing_parent",
      ]),
    );
    // line 3's blank status and dateLastModified are normal in a bulk file: no warning
    expect(warned.filter((w) => w.startsWith("users.csv:3:"))).toEqual([]);

    // every imported record carries its row's values: classes as courses, users as students
    const classes = new Map(
      fixtureRows("v1p2_full_dataset.zip", "classes.csv").map((row) => [row.sourcedId, row]),
    );
    const courses = await server.database.db("courses").select("name", "code", "level", "sourced_id");
    expect(courses).toHaveLength(1);
    for (const course of courses) {
      const row = classes.get(course.sourced_id);
      expect(course).toEqual({
        name: row?.title,
        code: row?.classCode,
        level: row?.grades,
        sourced_id: row?.sourcedId,
      });
      // grades arrive as a quoted list
      expect(course.level).toContain(",");
    }
    const users = new Map(
      fixtureRows("v1p2_full_dataset.zip", "users.csv").map((row) => [row.sourcedId, row]),
    );
    const students = await server.database.db("students").select("name", "email", "sourced_id");
    expect(students).toHaveLength(4);
    for (const student of students) {
      const row = users.get(student.sourced_id);
      expect(student).toEqual({
        name: `${row?.givenName} ${row?.familyName}`,
        email: row?.email,
        sourced_id: row?.sourcedId,
      });
    }
    const history = await server.database.db("enrollment_history").select("source", "action");
    expect(history).toEqual([
      { source: "import", action: "enrolled" },
      { source: "import", action: "enrolled" },
    ]);
  });

  it("the same package again changes nothing: everything unchanged, no history, no updated_at moved", async () => {
    const before = await tableCounts(server.database.db);
    const again = await importZip(server.baseUrl, fixture("v1p2_full_dataset.zip"));
    expect(again.status, again.text).toBe(201);
    expect(again.body.summary).toEqual({
      students: counts({ unchanged: 4, skipped: 2 }),
      courses: counts({ unchanged: 1, skipped: 1 }),
      terms: counts({ unchanged: 4, skipped: 1 }),
      enrollments: counts({ unchanged: 2, skipped: 2 }),
      orgs: counts({ skipped: 1 }),
    });
    expect(await tableCounts(server.database.db)).toEqual(before);
  });

  it("Test_full_data_set (the same roster as OneRoster 1.1, users.role) matches every record: nothing changes", async () => {
    const before = await tableCounts(server.database.db);
    const report = await importZip(server.baseUrl, fixture("Test_full_data_set.zip"));
    expect(report.status, report.text).toBe(201);
    expect(report.body.oneroster_version).toBe("1.1");
    expect(report.body.files.roles).toBe("absent");
    expect(report.body.summary).toEqual({
      students: counts({ unchanged: 4, skipped: 2 }),
      courses: counts({ unchanged: 1, skipped: 1 }),
      terms: counts({ unchanged: 4, skipped: 1 }),
      enrollments: counts({ unchanged: 2, skipped: 2 }),
      orgs: counts({ skipped: 1 }),
    });
    expect(await tableCounts(server.database.db)).toEqual(before);
  });

  it("Test_minimal_data_set (blank statuses, dates, emails, grades, codes) updates what it blanks", async () => {
    const report = await importZip(server.baseUrl, fixture("Test_minimal_data_set.zip"));
    expect(report.status, report.text).toBe(201);
    expect(report.body.summary).toEqual({
      // matched by sourcedId: a blank email keeps the one Registrar has
      students: counts({ unchanged: 4, skipped: 2 }),
      // the first class loses its grades (level unspecified) and code; the second is new
      courses: counts({ created: 1, updated: 1 }),
      // the quarter is new; the semester and school year lose their parent
      terms: counts({ created: 1, updated: 2, unchanged: 2 }),
      // the dates are blank now; the second class's two are new
      enrollments: counts({ created: 2, updated: 2, skipped: 2 }),
      orgs: counts({ skipped: 1 }),
    });
    expect(report.body.errors).toEqual([]);
    const [first] = fixtureRows("Test_minimal_data_set.zip", "classes.csv");
    const course = await server.database.db("courses").where({ sourced_id: first?.sourcedId }).first();
    expect(course).toMatchObject({ level: "unspecified", code: null });
  });

  it("Test_minimal_data_set into an empty server: students without an email fail, and so do their enrollments", async () => {
    const empty = await startTestServer();
    try {
      const report = await importZip(empty.baseUrl, fixture("Test_minimal_data_set.zip"));
      expect(report.status, report.text).toBe(201);
      expect(report.body.summary.students).toEqual(counts({ skipped: 2 }));
      expect(report.body.summary.terms).toEqual(counts({ created: 5 }));
      expect(report.body.summary.courses).toEqual(counts({ created: 2 }));
      expect(report.body.errors.map((e) => [e.file, e.line, e.code])).toEqual([
        ["enrollments.csv", 3, "missing_reference"],
        ["enrollments.csv", 4, "missing_reference"],
        ["enrollments.csv", 6, "missing_reference"],
        ["enrollments.csv", 7, "missing_reference"],
        ["users.csv", 3, "missing_value"],
        ["users.csv", 5, "missing_value"],
        ["users.csv", 6, "missing_value"],
        ["users.csv", 7, "missing_value"],
      ]);
    } finally {
      await empty.close();
    }
  });
});

describe("OneRoster import of messy packages", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("1.2: misspelled columns, capitalised enums, quoted lists, bad dates, missing values and references, line numbers", async () => {
    const usersCsv = [
      [...headers.users12.slice(0, 17), "prefferedGivenName", "Extra Column", ...headers.users12.slice(20)],
      user12("m-u1", "Ada", "Lovelace", "ada@messy.example", "Active")
        .slice(0, 17)
        .concat(["", "x"], ["", ""]),
      // a quoted newline in a cell: the next row starts two physical lines further on
      user12("m-u2", "Alan", "Turing", "alan@messy.example", "")
        .slice(0, 17)
        .concat(["Al\r\nTu", "x"], ["", ""]),
      user12("m-u3", "", "", "nobody@messy.example").slice(0, 17).concat(["", ""], ["", ""]),
      user12("m-u4", "Grace", "Hopper", "not-an-email").slice(0, 17).concat(["", ""], ["", ""]),
      user12("m-t1", "Tess", "Teacher", "tess@messy.example").slice(0, 17).concat(["", ""], ["", ""]),
    ];
    (usersCsv[1] as string[])[2] = "yesterday";
    const zip = onerosterZip({
      modes: {
        users: "bulk",
        roles: "bulk",
        classes: "bulk",
        academicSessions: "bulk",
        enrollments: "bulk",
        orgs: "absent",
      },
      files: {
        "users.csv": usersCsv,
        "roles.csv": [
          [...headers.roles],
          role("r1", "m-u1", "Student"),
          role("r2", "m-u2", "STUDENT"),
          role("r3", "m-u3", "student"),
          role("r4", "m-u4", "student"),
          role("r5", "m-t1", "teacher"),
          // Tess is also a student (a second role)
          role("r6", "m-t1", "student"),
        ],
        "academicSessions.csv": [
          [...headers.academicSessions],
          session("m-s1", "Fall 2026", "Semester", "2026-09-01", "2026-12-20"),
          session("m-s2", "Bad dates", "term", "2026-13-01", "2026-12-20"),
          session("m-s3", "Backwards", "TERM", "2026-12-01", "2026-09-01"),
          session("m-s4", "Odd type", "quarter", "2026-09-01", "2026-12-20"),
        ],
        "classes.csv": [
          [...headers.classes],
          klass("m-c1", "Algebra", "ALG-1", "09,10,11", "m-s1"),
          klass("m-c2", "Geometry", "GEO-1", "", "m-s2"),
          klass("m-c3", "", "X", "", "m-s1"),
          klass("m-c4", "Orphan", "ORP", "", "no-such-term"),
        ],
        "enrollments.csv": [
          [...headers.enrollments],
          enrollment("m-e1", "m-c1", "m-u1", "Student", ["2026-09-01", "2026-12-20"]),
          enrollment("m-e2", "m-c1", "m-u2", "student"),
          enrollment("m-e3", "m-c1", "m-t1", "teacher"),
          enrollment("m-e4", "m-c1", "m-t1", "student"),
          enrollment("m-e5", "m-c1", "no-such-user", "student"),
          enrollment("m-e6", "m-c2", "m-u1", "student"),
          enrollment("m-e7", "m-c1", "m-u4", "student", ["09/01/2026", ""]),
          enrollment("m-e8", "m-c1", "m-u3", "student", ["2026-12-01", "2026-09-01"]),
          enrollment("m-e1", "m-c1", "m-u1", "student"),
        ],
      },
    });
    const answer = await importZip(server.baseUrl, zip);
    expect(answer.status, answer.text).toBe(201);
    const report = answer.body;
    expect(report.summary.students).toEqual(counts({ created: 3 }));
    expect(report.summary.terms).toEqual(counts({ created: 1 }));
    expect(report.summary.courses).toEqual(counts({ created: 1 }));
    expect(report.summary.enrollments).toEqual(counts({ created: 3, skipped: 1 }));
    expect(report.errors.map((e) => [e.file, e.line, e.sourced_id, e.code])).toEqual([
      ["academicSessions.csv", 3, "m-s2", "invalid_date"],
      ["academicSessions.csv", 4, "m-s3", "invalid_date"],
      ["academicSessions.csv", 5, "m-s4", "invalid_value"],
      ["classes.csv", 3, "m-c2", "missing_reference"],
      ["classes.csv", 4, "m-c3", "missing_value"],
      ["classes.csv", 5, "m-c4", "missing_reference"],
      ["enrollments.csv", 6, "m-e5", "missing_reference"],
      ["enrollments.csv", 7, "m-e6", "missing_reference"],
      ["enrollments.csv", 8, "m-e7", "invalid_date"],
      ["enrollments.csv", 9, "m-e8", "invalid_date"],
      ["enrollments.csv", 10, "m-e1", "duplicate_row"],
      ["users.csv", 5, "m-u3", "missing_value"],
      ["users.csv", 6, "m-u4", "invalid_value"],
    ]);
    for (const error of report.errors) expect(error.message.length).toBeGreaterThan(10);
    // "Active" is active (enums match in any case); "yesterday" is only a warning
    expect(report.warnings.map((w) => `${w.file}:${w.line}:${w.code}`)).toEqual([
      "users.csv:1:unknown_column",
      "users.csv:1:unknown_column",
      "users.csv:2:unreadable_date_last_modified",
    ]);
    expect(report.warnings.filter((w) => w.code === "unknown_column").map((w) => w.message)).toEqual([
      'Column "prefferedGivenName" is not a OneRoster users column: it was ignored.',
      'Column "Extra Column" is not a OneRoster users column: it was ignored.',
    ]);
    const term = await server.database.db("terms").where({ sourced_id: "m-s1" }).first();
    expect(term).toMatchObject({ type: "semester", name: "Fall 2026" });
    const pairs = await server.database
      .db("student_courses as sc")
      .join("students as s", "s.id", "sc.student_id")
      .orderBy("s.sourced_id")
      .select(
        "s.sourced_id",
        "sc.status",
        server.database.db.raw("to_char(sc.begin_date, 'YYYY-MM-DD') as begin_date"),
      );
    expect(pairs).toEqual([
      { sourced_id: "m-t1", status: "active", begin_date: null },
      { sourced_id: "m-u1", status: "active", begin_date: "2026-09-01" },
      { sourced_id: "m-u2", status: "active", begin_date: null },
    ]);
  });

  it("1.1: users.role decides who is a student", async () => {
    const zip = onerosterZip({
      version: "1.1",
      modes: { users: "bulk", classes: "bulk", enrollments: "delta", academicSessions: "absent" },
      files: {
        "users.csv": [
          [...headers.users11],
          user11("o-u1", "student", "Olga", "One", "olga@old.example"),
          user11("o-u2", "Teacher", "Otto", "Two", "otto@old.example"),
          user11("o-u3", "parent", "Pia", "Three", "pia@old.example"),
        ],
        "classes.csv": [[...headers.classes], klass("o-c1", "Latin", "LAT", "12", "")],
        "enrollments.csv": [
          [...headers.enrollments],
          enrollment("o-e1", "o-c1", "o-u1"),
          enrollment("o-e2", "o-c1", "o-u2", "teacher"),
        ],
      },
    });
    const answer = await importZip(server.baseUrl, zip);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.oneroster_version).toBe("1.1");
    expect(answer.body.summary.students).toEqual(counts({ created: 1, skipped: 2 }));
    expect(answer.body.summary.courses).toEqual(counts({ created: 1 }));
    expect(answer.body.summary.enrollments).toEqual(counts({ created: 1, skipped: 1 }));
    expect(answer.body.errors).toEqual([]);
  });

  it("bulk drops what a class no longer lists (soft, history source import); delta changes only its rows", async () => {
    const db = server.database.db;
    const users = [
      [...headers.users12],
      ...["b1", "b2", "b3"].map((id) => user12(id, "B", id, `${id}@bulk.example`)),
    ];
    const rolesCsv = [[...headers.roles], ...["b1", "b2", "b3"].map((id) => role(`r-${id}`, id, "student"))];
    const classes = [[...headers.classes], klass("b-c1", "Bulk class", "BLK", "", "")];
    const listing = (...ids: string[]) => [
      [...headers.enrollments],
      ...ids.map((id) => enrollment(`e-${id}`, "b-c1", id)),
    ];
    const zip = (mode: "bulk" | "delta", enrollments: string[][]) =>
      onerosterZip({
        modes: { users: "bulk", roles: "bulk", classes: "bulk", enrollments: mode },
        files: {
          "users.csv": users,
          "roles.csv": rolesCsv,
          "classes.csv": classes,
          "enrollments.csv": enrollments,
        },
      });
    const first = await importZip(server.baseUrl, zip("bulk", listing("b1", "b2", "b3")));
    expect(first.body.summary.enrollments).toEqual(counts({ created: 3 }));

    // delta without b3: b3 stays
    const delta = await importZip(server.baseUrl, zip("delta", listing("b1")));
    expect(delta.body.summary.enrollments).toEqual(counts({ unchanged: 1 }));

    // bulk without b3: b3 is dropped, its record kept
    const bulk = await importZip(server.baseUrl, zip("bulk", listing("b1", "b2")));
    expect(bulk.status, bulk.text).toBe(201);
    expect(bulk.body.summary.enrollments).toEqual(counts({ unchanged: 2, dropped: 1 }));
    const course = await db("courses").where({ sourced_id: "b-c1" }).first();
    const b3 = await db("students").where({ sourced_id: "b3" }).first();
    const pair = await db("student_courses").where({ student_id: b3.id, course_id: course.id }).first();
    expect(pair.status).toBe("dropped");
    const dropEntry = await db("enrollment_history")
      .where({ student_id: b3.id, course_id: course.id, action: "dropped" })
      .first();
    expect(dropEntry).toMatchObject({
      source: "import",
      reason: "oneroster bulk import",
      from_status: "active",
    });
    expect(course.enrolled_count).toBe(2);

    // delta tobedeleted drops that one row; the same bulk package again drops nothing more
    const tobedeleted = [
      [...headers.enrollments],
      enrollment("e-b2", "b-c1", "b2", "student", ["", ""], "tobedeleted"),
    ];
    const deleted = await importZip(server.baseUrl, zip("delta", tobedeleted));
    expect(deleted.body.summary.enrollments).toEqual(counts({ dropped: 1 }));
    const again = await importZip(server.baseUrl, zip("delta", tobedeleted));
    expect(again.body.summary.enrollments).toEqual(counts({ unchanged: 1 }));

    // listed again in bulk: reactivated
    const back = await importZip(server.baseUrl, zip("bulk", listing("b1", "b2", "b3")));
    expect(back.body.summary.enrollments).toEqual(counts({ unchanged: 1, updated: 2 }));
    const actions = await db("enrollment_history")
      .where({ student_id: b3.id, course_id: course.id })
      .orderBy("id")
      .pluck("action");
    expect(actions).toEqual(["enrolled", "dropped", "reactivated"]);
  });

  it("a full course waitlists where it has waitlist room, else the row fails course_full", async () => {
    const db = server.database.db;
    const created = await fetch(`${server.baseUrl}/courses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "Tiny",
        level: "any",
        capacity: 1,
        waitlist_capacity: 1,
        sourced_id: "cap-c1",
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const ids = ["cap1", "cap2", "cap3"];
    const zip = onerosterZip({
      modes: { users: "bulk", roles: "bulk", enrollments: "delta" },
      files: {
        "users.csv": [[...headers.users12], ...ids.map((id) => user12(id, "C", id, `${id}@cap.example`))],
        "roles.csv": [[...headers.roles], ...ids.map((id) => role(`r-${id}`, id, "student"))],
        "enrollments.csv": [
          [...headers.enrollments],
          ...ids.map((id) => enrollment(`e-${id}`, "cap-c1", id)),
        ],
      },
    });
    const answer = await importZip(server.baseUrl, zip);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.summary.enrollments).toEqual(counts({ created: 2 }));
    expect(answer.body.errors.map((e) => [e.line, e.code])).toEqual([[4, "course_full"]]);
    expect(answer.body.warnings.map((w) => [w.line, w.code])).toEqual([[3, "waitlisted"]]);
    const statuses = await db("student_courses as sc")
      .join("students as s", "s.id", "sc.student_id")
      .join("courses as c", "c.id", "sc.course_id")
      .where("c.sourced_id", "cap-c1")
      .orderBy("s.sourced_id")
      .select("s.sourced_id", "sc.status");
    expect(statuses).toEqual([
      { sourced_id: "cap1", status: "active" },
      { sourced_id: "cap2", status: "waitlisted" },
    ]);
  });

  it("not a zip, or a zip without manifest.csv: 422 invalid_oneroster_package, nothing written", async () => {
    const before = await tableCounts(server.database.db);
    const notZip = await importZip(server.baseUrl, new TextEncoder().encode("sourcedId,status\n1,active"));
    expectProblem(
      { ...notZip, body: notZip.body as unknown as Record<string, unknown> },
      422,
      "invalid_oneroster_package",
    );
    const noManifest = onerosterZip({
      manifest: false,
      modes: {},
      files: { "users.csv": [[...headers.users12], user12("x1", "X", "Y", "x@y.example")] },
    });
    const refused = await importZip(server.baseUrl, noManifest);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body).toMatchObject({ code: "invalid_oneroster_package" });
    expect(await tableCounts(server.database.db)).toEqual(before);
  });

  it("a body over 50 MiB is 413 payload_too_large; 1 MiB and more is fine for this route", async () => {
    const big = new Uint8Array(50 * 1024 * 1024 + 1);
    const refused = await importZip(server.baseUrl, big);
    expect(refused.status, refused.text).toBe(413);
    expect(refused.body).toMatchObject({ code: "payload_too_large" });
    // over the 1 MiB of the JSON routes: read, and refused only as not a zip
    const notZip = await importZip(server.baseUrl, new Uint8Array(2 * 1024 * 1024));
    expect(notZip.status, notZip.text).toBe(422);
  });

  it("a body sent without Content-Length (chunked) is read as it comes, and capped at 50 MiB", async () => {
    const send = (chunks: () => Iterable<Uint8Array>) =>
      fetch(`${server.baseUrl}/oneroster/imports?dry_run=true`, {
        method: "POST",
        headers: { "content-type": "application/zip" },
        body: ReadableStream.from(chunks()),
        duplex: "half",
      } as RequestInit);
    const zip = onerosterZip({
      modes: { users: "bulk" },
      files: {
        "users.csv": [
          [...headers.users11],
          user11("chunk-u1", "student", "Chu", "Nked", "chu@chunk.example"),
        ],
      },
    });
    const sliced = await send(function* () {
      for (let offset = 0; offset < zip.length; offset += 7) yield zip.subarray(offset, offset + 7);
    });
    expect(sliced.status).toBe(200);
    expect(((await sliced.json()) as Report).summary.students.created).toBe(1);
    const megabyte = new Uint8Array(1024 * 1024);
    const tooLarge = await send(function* () {
      for (let sent = 0; sent <= 50; sent++) yield megabyte;
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: "payload_too_large" });
    const empty = await send(function* () {});
    expect(empty.status).toBe(400);
  });

  it("a zip whose entries have data descriptors (streaming writers) reads; a corrupt entry is 422", async () => {
    // fflate's streaming Zip writes every entry with a data descriptor (sizes after the data)
    const entries: Uint8Array[] = [];
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      entries.push(chunk);
    });
    const add = (name: string, text: string) => {
      const entry = new ZipDeflate(name);
      zip.add(entry);
      entry.push(strToU8(text), true);
    };
    add("manifest.csv", "propertyName,value\r\noneroster.version,1.1\r\nfile.users,bulk\r\n");
    add(
      "users.csv",
      [
        csvLine([...headers.users11]),
        csvLine(user11("dd-u1", "student", "Dee", "Dee", "dd@dd.example")),
      ].join("\r\n"),
    );
    zip.end();
    const bytes = new Uint8Array(Buffer.concat(entries));
    const read = await importZip(server.baseUrl, bytes, { dryRun: true });
    expect(read.status, read.text).toBe(200);
    expect(read.body.summary.students.created).toBe(1);
    // the users entry's deflated bytes overwritten: it no longer inflates
    const corrupt = bytes.slice();
    const usersAt = Buffer.from(corrupt).indexOf("users.csv");
    corrupt.fill(0xff, usersAt + 12, usersAt + 40);
    const refused = await importZip(server.baseUrl, corrupt, { dryRun: true });
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body).toMatchObject({ code: "invalid_oneroster_package" });
  });

  it("an Idempotency-Key replays the kept report of the first import and runs nothing", async () => {
    const zip = onerosterZip({
      modes: { users: "bulk" },
      files: {
        "users.csv": [[...headers.users11], user11("idem-u1", "student", "Ida", "Em", "ida@idem.example")],
      },
    });
    const send = () =>
      fetch(`${server.baseUrl}/oneroster/imports`, {
        method: "POST",
        headers: { "content-type": "application/zip", "idempotency-key": "oneroster-idem-1" },
        body: zip,
      });
    const first = await send();
    expect(first.status).toBe(201);
    const report = (await first.json()) as Report;
    expect(report.summary.students.created).toBe(1);
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(report);
  });

  it("a JSON body is 415; an empty body is 400", async () => {
    const json = await importZip(server.baseUrl, new TextEncoder().encode("{}"), {
      contentType: "application/json",
    });
    expect(json.status, json.text).toBe(415);
    const empty = await importZip(server.baseUrl, new Uint8Array());
    expect(empty.status, empty.text).toBe(400);
  });

  it("an unreadable CSV fails that file alone, with its line", async () => {
    const zip = onerosterZip({
      modes: { users: "bulk", roles: "absent", classes: "bulk" },
      files: {
        "users.csv": [[...headers.users12], user12("u-1", "Una", "Readable", "una@r.example")],
        "classes.csv": `${csvLine([...headers.classes])}\r\nc-1,active,,"Unclosed,`,
      },
    });
    const answer = await importZip(server.baseUrl, zip);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.errors.map((e) => [e.file, e.code])).toEqual([["classes.csv", "unreadable_file"]]);
    expect(answer.body.files.classes).toBe("absent");
  });

  it("the statements of an import do not grow with its rows (set-based)", async () => {
    const db = server.database.db;
    const statementsOf = async (size: number, tag: string) => {
      const ids = Array.from({ length: size }, (_, index) => `${tag}-${index}`);
      const zip = onerosterZip({
        modes: {
          users: "bulk",
          roles: "bulk",
          classes: "bulk",
          academicSessions: "bulk",
          enrollments: "bulk",
        },
        files: {
          "users.csv": [[...headers.users12], ...ids.map((id) => user12(id, "S", id, `${id}@size.example`))],
          "roles.csv": [[...headers.roles], ...ids.map((id) => role(`r-${id}`, id, "student"))],
          "academicSessions.csv": [
            [...headers.academicSessions],
            ...ids.map((id) => session(`t-${id}`, "T", "term", "2026-01-01", "2026-06-30")),
          ],
          "classes.csv": [[...headers.classes], ...ids.map((id) => klass(`c-${id}`, "C", "", "", `t-${id}`))],
          "enrollments.csv": [
            [...headers.enrollments],
            ...ids.map((id) => enrollment(`e-${id}`, `c-${id}`, id)),
          ],
        },
      });
      let sent = 0;
      const listener = () => {
        sent++;
      };
      db.on("query", listener);
      try {
        const answer = await importZip(server.baseUrl, zip);
        expect(answer.status, answer.text).toBe(201);
        expect(answer.body.summary.enrollments.created).toBe(size);
      } finally {
        db.off("query", listener);
      }
      return sent;
    };
    const small = await statementsOf(2, "small");
    const large = await statementsOf(300, "large");
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(16);
  });
});

describe("OneRoster import under AUTH=required", () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer({ auth: { mode: "required" } });
    const { makeKey } = await import("../security/harness.ts");
    for (const roleName of ["admin", "registrar", "reader"] as const) {
      tokens[roleName] = (await makeKey(server.database.db, roleName)).token;
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it("admin keys only: registrar and reader keys get 403, before the body is read; history names the admin key", async () => {
    const zip = fixture("v1p2_full_dataset.zip");
    for (const roleName of ["registrar", "reader"]) {
      const refused = await importZip(server.baseUrl, zip, { token: tokens[roleName] as string });
      expect(refused.status, refused.text).toBe(403);
    }
    const anonymous = await importZip(server.baseUrl, zip);
    expect(anonymous.status).toBe(401);
    const applied = await importZip(server.baseUrl, zip, { token: tokens.admin as string });
    expect(applied.status, applied.text).toBe(201);
    const entries = await server.database.db("enrollment_history").select("source", "actor_role");
    expect(entries).toEqual([
      { source: "import", actor_role: "admin" },
      { source: "import", actor_role: "admin" },
    ]);
  });
});
