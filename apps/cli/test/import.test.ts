import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRegistrarClient, type RegistrarClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { enrollPairs, fileKeyPrefix } from "../src/import/enroll-pairs.ts";
import { runCli } from "./run-cli.ts";

const cliEntry = fileURLToPath(new URL("../bin/registrar.mjs", import.meta.url));

// Each test runs the real binary several times (about half a second of Node start-up each).
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let client: RegistrarClient;
let folder: string;
beforeAll(async () => {
  server = await startTestServer();
  client = createRegistrarClient({ baseUrl: server.baseUrl });
  folder = await mkdtemp(join(tmpdir(), "registrar-cli-import-"));
});
afterAll(async () => {
  await server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

let counter = 0;
async function csvFile(text: string): Promise<string> {
  const path = join(folder, `enrollments-${++counter}.csv`);
  await writeFile(path, text);
  return path;
}

const importCsv = (path: string, ...flags: string[]) =>
  runCli(["--url", server.baseUrl, "import", path, ...flags]);

async function student(name: string) {
  return client.trpc.students.create.mutate({
    name,
    email: `import-${process.pid}-${++counter}@example.org`,
  });
}

async function enrolledCourseIds(studentId: number): Promise<number[]> {
  return (await client.trpc.enrollments.list.query({ studentId })).courses.map((course) => course.id);
}

/** Every history entry of the students, as `student course action`. */
async function historyOf(studentIds: readonly number[]): Promise<string[]> {
  const entries: string[] = [];
  for (const studentId of studentIds) {
    const { events } = await client.trpc.enrollments.history.query({ studentId, limit: 200 });
    entries.push(
      ...events.map((entry) => `${entry.id} ${entry.studentId} ${entry.courseId} ${entry.action}`),
    );
  }
  return entries;
}

type Summary = {
  rows: number;
  enrolled: number;
  alreadyEnrolled: number;
  replayed: number;
  duplicates: number;
  failed: Array<{ line: number; code: string; courseName: string | null; reason: string }>;
  notAttempted: number;
};

describe("registrar import", () => {
  it("enrolls the good rows, reports each bad one by line, and enrolls nothing twice on a re-run", async () => {
    const ada = await student("Ada");
    const alan = await student("Alan");
    const algebra = await client.trpc.courses.create.mutate({ name: "Algebra", level: "beginner" });
    const logic = await client.trpc.courses.create.mutate({ name: "Logic", level: "intro" });
    const seminar = await client.trpc.courses.create.mutate({
      name: "Seminar",
      level: "advanced",
      capacity: 1,
    });
    const file = await csvFile(
      [
        "course_id,student_id,note", // any column order; extra columns are ignored
        `${algebra.id},${ada.id},first`,
        `${logic.id},${ada.id},`,
        `${algebra.id},${alan.id},`,
        "",
        `${algebra.id},abc,not an id`, // line 6
        `${logic.id},1999999,no such student`, // line 7
        `1999999,${alan.id},no such course`, // line 8
        `${seminar.id},${ada.id},takes the only seat`,
        `${seminar.id},${alan.id},course full`, // line 10
        `${algebra.id},${ada.id},duplicate`,
        `${logic.id},${alan.id},`,
      ].join("\n"),
    );

    const first = await importCsv(file);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/^ {2}enrolled {10}5$/m);
    expect(first.stdout).toMatch(/^ {2}already enrolled {2}0$/m);
    expect(first.stdout).not.toMatch(/replayed/);
    expect(first.stdout).toMatch(/^ {2}failed {12}4$/m);
    const failures = first.stdout.split("\n").filter((line) => line.startsWith("    line "));
    expect(failures).toEqual([
      `    line 6: student abc, course ${algebra.id}: The student_id "abc" is not an id: an id must be an integer between 1 and 2147483647.`,
      `    line 7: student 1999999, Logic (course ${logic.id}): Student 1999999 does not exist.`,
      `    line 8: student ${alan.id}, course 1999999: Course 1999999 does not exist.`,
      `    line 10: student ${alan.id}, Seminar (course ${seminar.id}): Seminar (course ${seminar.id}) is full.`,
    ]);
    expect(first.stdout.split("\n")[0]).toMatch(/: 10 rows$/);
    expect(first.stderr).toBe(""); // no progress bar without a terminal

    expect(await enrolledCourseIds(ada.id)).toEqual([algebra.id, logic.id, seminar.id]);
    expect(await enrolledCourseIds(alan.id)).toEqual([algebra.id, logic.id]);

    const historyBefore = await historyOf([ada.id, alan.id]);
    const rerun = await importCsv(file, "--json");
    expect(rerun.code).toBe(1);
    const summary = JSON.parse(rerun.stdout) as Summary;
    // every request of the first run is answered from the server's kept answers
    expect(summary).toMatchObject({
      rows: 10,
      enrolled: 0,
      alreadyEnrolled: 0,
      replayed: 5,
      duplicates: 1,
      notAttempted: 0,
    });
    expect(await historyOf([ada.id, alan.id])).toEqual(historyBefore);
    expect(summary.failed.map((row) => [row.line, row.code, row.courseName])).toEqual([
      [6, "invalid_row", null],
      [7, "student_not_found", "Logic"],
      [8, "course_not_found", null],
      [10, "course_full", "Seminar"],
    ]);
    expect(await enrolledCourseIds(ada.id)).toEqual([algebra.id, logic.id, seminar.id]);
    expect((await client.trpc.courses.byId.query({ id: algebra.id })).enrolledCount).toBe(2);
  });

  it("exits 0 when every row lands", async () => {
    const grace = await student("Grace");
    const course = await client.trpc.courses.create.mutate({ name: "Compilers", level: "advanced" });
    const run = await importCsv(
      await csvFile(`student_id,course_id\r\n${grace.id},${course.id}\r\n`),
      "--json",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 1, enrolled: 1, failed: [] });
  });

  it("exits 2 without sending anything when the file is missing, has no header or is not CSV", async () => {
    const grace = await student("Header");
    const course = await client.trpc.courses.create.mutate({ name: "History", level: "intro" });
    const cases: Array<[string, RegExp]> = [
      [join(folder, "missing.csv"), /no such file/],
      [
        await csvFile(`student,course\n${grace.id},${course.id}\n`),
        /header must name student_id and course_id/,
      ],
      [await csvFile(`student_id,course_id\n${grace.id},"${course.id}\n`), /is not valid CSV/],
      [await csvFile(""), /is empty/],
    ];
    for (const [path, message] of cases) {
      const run = await importCsv(path);
      expect(run.code, path).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await enrolledCourseIds(grace.id)).toEqual([]);
  });

  it("exits 3 and counts rows not attempted when the server is unreachable", async () => {
    const run = await runCli([
      "--url",
      "http://127.0.0.1:9",
      "import",
      await csvFile("student_id,course_id\n1,2\n3,4\n"),
      "--json",
    ]);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ enrolled: 0, notAttempted: 2 });
  });

  it("sends one assign request per student batch, each with its own Idempotency-Key", async () => {
    const students = await Promise.all([student("One"), student("Two"), student("Three")]);
    const courses = await Promise.all(
      [1, 2, 3, 4].map((n) => client.trpc.courses.create.mutate({ name: `Batch ${n}`, level: "any" })),
    );
    const requests: string[] = [];
    const keys = new Set<string>();
    const counting = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        const request = new Request(input, init);
        requests.push(`${request.method} ${new URL(request.url).pathname}`);
        keys.add(request.headers.get("idempotency-key") ?? "none");
        return fetch(request);
      },
    });
    let line = 1;
    const pairs = students.flatMap((s) =>
      courses.map((c) => ({ line: ++line, studentId: s.id, courseId: c.id })),
    );
    const progress: number[] = [];
    const outcome = await enrollPairs(counting, pairs, { onProgress: (rows) => progress.push(rows) });
    expect(outcome).toMatchObject({ enrolled: 12, alreadyEnrolled: 0, failed: [] });
    expect(requests.sort()).toEqual(students.map((s) => `POST /students/${s.id}/courses`).sort());
    expect(keys.size).toBe(3); // one Idempotency-Key per request
    expect([...keys].every((key) => /^registrar-import-[0-9a-f]{32}-\d+-[0-9a-f]{24}$/.test(key))).toBe(true);
    expect(progress).toEqual([4, 4, 4]);
  });

  it("names the courses of failed rows with one batched request, not one per row", async () => {
    const full = await Promise.all(
      [1, 2, 3].map((n) =>
        client.trpc.courses.create.mutate({ name: `Full ${n}`, level: "any", capacity: 1 }),
      ),
    );
    for (const course of full) {
      const taker = await student(`Taker of ${course.name}`);
      await client.trpc.enrollments.assign.mutate({ studentId: taker.id, courseIds: [course.id] });
    }
    const late = await Promise.all([student("Late 1"), student("Late 2")]);
    const requests: string[][] = [];
    const counting = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        requests.push(url.pathname.replace(/^\/trpc\//, "").split(","));
        return fetch(input, init);
      },
    });
    let line = 1;
    const pairs = late.flatMap((s) => full.map((c) => ({ line: ++line, studentId: s.id, courseId: c.id })));
    const outcome = await enrollPairs(counting, pairs, { concurrency: 1 });
    expect(outcome.failed).toHaveLength(6);
    expect(outcome.failed.map((row) => row.reason)).toEqual(
      late.flatMap(() => full.map((c) => `${c.name} (course ${c.id}) is full.`)),
    );
    const lookups = requests.filter((procedures) => procedures.includes("courses.byId"));
    expect(lookups).toEqual([["courses.byId", "courses.byId", "courses.byId"]]);
  });

  it("after a crash that lost answers, a re-run replays what ran, enrolls the rest, and nothing twice", async () => {
    const students = await Promise.all([1, 2, 3, 4].map((n) => student(`Crash ${n}`)));
    const courses = await Promise.all(
      [1, 2].map((n) =>
        client.trpc.courses.create.mutate({ name: `Crash course ${n}`, level: "any", code: `CR-${n}` }),
      ),
    );
    const lines = students.flatMap((s) => courses.map((c) => `${s.id},${c.id}`));
    const file = await csvFile(`student_id,course_id\n${lines.join("\n")}\n`);
    const pairs = students.flatMap((s, i) =>
      courses.map((c, j) => ({ line: 2 + i * courses.length + j, studentId: s.id, courseId: c.id })),
    );

    // The first run "crashes" at its third request: the server runs it, the answer is lost.
    let posts = 0;
    const crashing = createRegistrarClient({
      baseUrl: server.baseUrl,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (request.method !== "POST") return fetch(request);
        posts++;
        if (posts < 3) return fetch(request);
        if (posts === 3) await (await fetch(request)).text();
        throw new TypeError("fetch failed: the connection was reset");
      },
    });
    const crashed = await enrollPairs(crashing, pairs, {
      concurrency: 1,
      keyPrefix: fileKeyPrefix(await readFile(file)),
    });
    expect(crashed).toMatchObject({ enrolled: 4, notAttempted: 4 });
    expect(crashed.unreachable?.code).toBe("network_error");
    // the lost request did run
    expect(await enrolledCourseIds(students[2]?.id ?? 0)).toEqual(
      courses.map((c) => c.id).sort((a, b) => a - b),
    );
    const historyBefore = await historyOf(students.map((s) => s.id));
    expect(historyBefore).toHaveLength(6);

    const rerun = await importCsv(file);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^ {2}enrolled {10}2$/m);
    expect(rerun.stdout).toMatch(/^ {2}already enrolled {2}0$/m);
    expect(rerun.stdout).toMatch(
      /^ {2}replayed {10}6 \(enrolled by an earlier run of this file; nothing done twice\)$/m,
    );
    const historyAfter = await historyOf(students.map((s) => s.id));
    // the replayed rows' history is untouched; only the two new enrollments were added
    expect(historyAfter.slice(0, 6)).toEqual(historyBefore);
    expect(historyAfter).toHaveLength(8);
    expect(historyAfter.filter((entry) => entry.endsWith(" enrolled"))).toHaveLength(8);
    for (const s of students)
      expect(await enrolledCourseIds(s.id)).toEqual(courses.map((c) => c.id).sort((a, b) => a - b));
    for (const c of courses) {
      expect((await client.trpc.courses.byId.query({ id: c.id })).enrolledCount).toBe(students.length);
    }

    // a third run: everything replayed, nothing new
    const third = JSON.parse((await importCsv(file, "--json")).stdout) as Summary;
    expect(third).toMatchObject({ enrolled: 0, alreadyEnrolled: 0, replayed: 8, failed: [] });
    expect(await historyOf(students.map((s) => s.id))).toEqual(historyAfter);
  });

  it("names the courses of failed rows by code, name and term", async () => {
    const term = await client.trpc.terms.create.mutate({
      name: `Fall ${process.pid}-${++counter}`,
      startsOn: "2026-09-01",
      endsOn: "2026-12-18",
    });
    const course = await client.trpc.courses.create.mutate({
      name: "Drama",
      level: "beginner",
      code: "DRA-101",
      termId: term.id,
      capacity: 1,
    });
    const [taker, late] = await Promise.all([student("Taker"), student("Late")]);
    await client.trpc.enrollments.assign.mutate({ studentId: taker.id, courseIds: [course.id] });
    const run = await importCsv(await csvFile(`student_id,course_id\n${late.id},${course.id}\n`));
    expect(run.code).toBe(1);
    const label = `DRA-101 Drama (${term.name}, course ${course.id})`;
    expect(run.stdout).toContain(`    line 2: student ${late.id}, ${label}: ${label} is full.`);
  });

  it("killed mid-way (SIGKILL), then run again: every row lands once, and what ran before the kill is replayed", async () => {
    const course = await client.trpc.courses.create.mutate({ name: "Killed import", level: "any" });
    const students: number[] = [];
    for (let chunk = 0; chunk < 4; chunk++) {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, n) => student(`Killed ${chunk}-${n}`)),
      );
      students.push(...created.map((s) => s.id));
    }
    const file = await csvFile(
      `student_id,course_id\n${students.map((id) => `${id},${course.id}`).join("\n")}\n`,
    );

    // One student at a time, so the kill lands while most rows are still to go.
    const child = spawn(
      process.execPath,
      [cliEntry, "--url", server.baseUrl, "import", file, "--concurrency", "1"],
      {
        stdio: "ignore",
      },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let seen = 0;
    while (seen < 20 && child.exitCode === null) {
      seen = (await client.trpc.courses.byId.query({ id: course.id })).enrolledCount;
    }
    child.kill("SIGKILL");
    await exited;

    const rerun = await importCsv(file, "--json");
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as Summary;
    // What the killed run did (at least the rows seen before the kill, and any request the
    // server was still running) is answered from the kept answers; the rest runs now.
    expect(summary.replayed).toBeGreaterThanOrEqual(seen);
    expect(summary.replayed + summary.enrolled).toBe(students.length);
    expect(summary).toMatchObject({ alreadyEnrolled: 0, failed: [], notAttempted: 0 });
    expect((await client.trpc.courses.byId.query({ id: course.id })).enrolledCount).toBe(students.length);
    const { events, nextCursor } = await client.trpc.enrollments.history.query({
      courseId: course.id,
      limit: 200,
    });
    expect(nextCursor).toBeNull();
    expect(events.map((entry) => entry.action)).toEqual(students.map(() => "enrolled"));
    expect(new Set(events.map((entry) => entry.studentId)).size).toBe(students.length);
  });
});
