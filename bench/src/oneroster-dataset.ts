/**
 * The OneRoster data set of issue 14's scale target, as a OneRoster 1.2 bulk CSV package:
 * one school, 2 academic sessions (a school year and its first semester), 100 catalogue
 * courses, 1,000 classes, 10,000 students (users.csv + roles.csv) and 100,000 student
 * enrollments (10 classes per student, 100 students per class), plus 1,000 teachers with one
 * teacher enrollment each (skipped by the import, as real packages have them).
 *
 * The zip is written as it is made (fflate's streaming Zip), so the generator's memory does
 * not grow with the package either.
 *
 *   pnpm --filter @registrar/bench exec tsx src/oneroster-dataset.ts /tmp/oneroster-100k.zip
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { oneroster12Columns } from "@registrar/core";
import { strToU8, Zip, ZipDeflate } from "fflate";

export const DATASET = { students: 10_000, classes: 1_000, perStudent: 10, teachers: 1_000 } as const;

type Columns = (typeof oneroster12Columns)[keyof typeof oneroster12Columns];

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** One CSV line; none of the generated values needs quoting but the grades list. */
function line(columns: Columns, cells: Partial<Record<string, string>>): string {
  return `${columns.map((column) => cells[column] ?? "").join(",")}\r\n`;
}

/**
 * Writes the package to `path`; resolves with its size in bytes. Every value is a
 * deterministic function of the row number, so two runs write the same package.
 */
export async function writeOneRosterDataset(path: string): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let failure: Error | null = null;
  const zip = new Zip((error, chunk, final) => {
    if (error) failure = error;
    else {
      bytes += chunk.length;
      out.write(chunk);
    }
    if (final) out.end();
  });

  /** One entry, its lines pushed in batches (back-pressure: waits for the file to drain). */
  async function file(name: string, columns: Columns, rows: Iterable<Partial<Record<string, string>>>) {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    entry.push(strToU8(`${columns.join(",")}\r\n`));
    let batch = "";
    for (const row of rows) {
      batch += line(columns, row);
      if (batch.length > 64 * 1024) {
        entry.push(strToU8(batch));
        batch = "";
        if (out.writableNeedDrain) await once(out, "drain");
      }
    }
    entry.push(strToU8(batch), true);
  }

  const manifest = new ZipDeflate("manifest.csv", { level: 6 });
  zip.add(manifest);
  const modes = ["academicSessions", "classes", "courses", "enrollments", "orgs", "roles", "users"];
  manifest.push(
    strToU8(
      [
        "propertyName,value",
        "manifest.version,1.0",
        "oneroster.version,1.2",
        ...modes.map((file) => `file.${file},bulk`),
        "file.demographics,absent",
        "file.categories,absent",
        "file.classResources,absent",
        "file.courseResources,absent",
        "file.lineItems,absent",
        "file.resources,absent",
        "file.results,absent",
        "source.systemName,Registrar bench",
        "",
      ].join("\r\n"),
    ),
    true,
  );

  const school = "org-school-1";
  await file("orgs.csv", oneroster12Columns.orgs, [
    { sourcedId: "org-district-1", name: "Bench District", type: "district", identifier: "D1" },
    {
      sourcedId: school,
      name: "Bench School",
      type: "school",
      identifier: "S1",
      parentSourcedId: "org-district-1",
    },
  ]);
  await file("academicSessions.csv", oneroster12Columns.academicSessions, [
    {
      sourcedId: "as-2026",
      title: "2026-2027",
      type: "schoolYear",
      startDate: "2026-08-15",
      endDate: "2027-06-30",
      schoolYear: "2027",
    },
    {
      sourcedId: "as-2026-s1",
      title: "Fall 2026",
      type: "semester",
      startDate: "2026-08-15",
      endDate: "2026-12-20",
      parentSourcedId: "as-2026",
      schoolYear: "2027",
    },
  ]);
  await file(
    "courses.csv",
    oneroster12Columns.courses,
    (function* () {
      for (let n = 1; n <= 100; n++) {
        yield {
          sourcedId: `crs-${pad(n, 3)}`,
          schoolYearSourcedId: "as-2026",
          title: `Course ${n}`,
          courseCode: `C${n}`,
          orgSourcedId: school,
        };
      }
    })(),
  );
  await file(
    "classes.csv",
    oneroster12Columns.classes,
    (function* () {
      for (let n = 1; n <= DATASET.classes; n++) {
        yield {
          sourcedId: `cls-${pad(n, 4)}`,
          status: "active",
          title: `Class ${n}`,
          grades: `"09,10,11"`,
          courseSourcedId: `crs-${pad(1 + (n % 100), 3)}`,
          classCode: `CL-${n}`,
          classType: "scheduled",
          schoolSourcedId: school,
          termSourcedIds: "as-2026-s1",
        };
      }
    })(),
  );
  await file(
    "users.csv",
    oneroster12Columns.users,
    (function* () {
      for (let n = 1; n <= DATASET.students; n++) {
        yield {
          sourcedId: `usr-${pad(n, 5)}`,
          status: "active",
          enabledUser: "true",
          username: `student${n}`,
          givenName: `Given${n}`,
          familyName: `Family${n % 997}`,
          identifier: `ID${n}`,
          email: `student${n}@bench.example`,
          grades: "10",
          primaryOrgSourcedId: school,
        };
      }
      for (let n = 1; n <= DATASET.teachers; n++) {
        yield {
          sourcedId: `tch-${pad(n, 4)}`,
          status: "active",
          enabledUser: "true",
          username: `teacher${n}`,
          givenName: `Teacher${n}`,
          familyName: "Bench",
          email: `teacher${n}@bench.example`,
          primaryOrgSourcedId: school,
        };
      }
    })(),
  );
  await file(
    "roles.csv",
    oneroster12Columns.roles,
    (function* () {
      for (let n = 1; n <= DATASET.students; n++) {
        yield {
          sourcedId: `rol-s${n}`,
          userSourcedId: `usr-${pad(n, 5)}`,
          roleType: "primary",
          role: "student",
          orgSourcedId: school,
        };
      }
      for (let n = 1; n <= DATASET.teachers; n++) {
        yield {
          sourcedId: `rol-t${n}`,
          userSourcedId: `tch-${pad(n, 4)}`,
          roleType: "primary",
          role: "teacher",
          orgSourcedId: school,
        };
      }
    })(),
  );
  await file(
    "enrollments.csv",
    oneroster12Columns.enrollments,
    (function* () {
      // Student n takes classes n*7+k (mod 1,000) for k < 10: 100 students per class.
      for (let n = 1; n <= DATASET.students; n++) {
        for (let k = 0; k < DATASET.perStudent; k++) {
          const klass = 1 + ((n * 7 + k) % DATASET.classes);
          yield {
            sourcedId: `enr-${n}-${k}`,
            status: "active",
            classSourcedId: `cls-${pad(klass, 4)}`,
            schoolSourcedId: school,
            userSourcedId: `usr-${pad(n, 5)}`,
            role: "student",
            primary: "false",
            beginDate: "2026-08-15",
            endDate: "2026-12-20",
          };
        }
      }
      for (let n = 1; n <= DATASET.teachers; n++) {
        yield {
          sourcedId: `enr-t${n}`,
          classSourcedId: `cls-${pad(n, 4)}`,
          schoolSourcedId: school,
          userSourcedId: `tch-${pad(n, 4)}`,
          role: "teacher",
          primary: "true",
        };
      }
    })(),
  );
  zip.end();
  if (!out.writableFinished) await once(out, "finish");
  if (failure) throw failure;
  return bytes;
}

if (process.argv[1]?.endsWith("oneroster-dataset.ts")) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: tsx src/oneroster-dataset.ts <out.zip>");
    process.exit(2);
  }
  const bytes = await writeOneRosterDataset(path);
  console.log(`wrote ${path}: ${bytes} bytes`);
}
