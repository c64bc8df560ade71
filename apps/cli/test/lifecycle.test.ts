import { createRegistrarClient, type RegistrarClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "./run-cli.ts";

// Each test runs the real binary several times (about half a second of Node start-up each).
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let sdk: RegistrarClient;
beforeAll(async () => {
  server = await startTestServer();
  sdk = createRegistrarClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

const cli = (...args: string[]) => runCli(["--url", server.baseUrl, ...args]);

/** The one line a command that must succeed prints; nothing else, on either stream. */
async function said(...args: string[]): Promise<string> {
  const run = await cli(...args);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toBe("");
  expect(run.stdout.trim().split("\n")).toHaveLength(1);
  return run.stdout.trim();
}

async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const run = await cli(...args, "--json");
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

let counter = 0;
const email = () => `life-${process.pid}-${++counter}@example.org`;
const student = (name: string) => sdk.trpc.students.create.mutate({ name, email: email() });
const uniqueName = (name: string) => `${name} ${process.pid}-${++counter}`;

type Term = {
  id: number;
  name: string;
  type: string;
  startsOn: string;
  endsOn: string;
  parentId: number | null;
};
type Course = { id: number; code: string | null; termId: number | null; waitlistCapacity: number };
type Row = { id: number; status: string; waitlistPosition: number | null };
type Entry = {
  studentId: number;
  courseId: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  reason: string | null;
  source: string;
};

describe("terms", () => {
  it("creates, lists, shows, updates and deletes terms, with parents and dates", async () => {
    const yearName = uniqueName("School year");
    const year = await json<Term>(
      "terms",
      "create",
      yearName,
      "2026-09-01",
      "2027-07-15",
      "--type",
      "schoolYear",
    );
    expect(year).toMatchObject({
      name: yearName,
      type: "schoolYear",
      startsOn: "2026-09-01",
      parentId: null,
    });
    const fallName = uniqueName("Fall");
    const created = await said(
      "terms",
      "create",
      fallName,
      "2026-09-01",
      "2026-12-18",
      "--type",
      "semester",
      "--parent",
      String(year.id),
    );
    const fallId = Number(/^Created term (\d+): /.exec(created)?.[1]);
    expect(created).toBe(
      `Created term ${fallId}: ${fallName} (semester, 2026-09-01 to 2026-12-18, in ${yearName}).`,
    );

    const list = await cli("terms", "list", "--all");
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+TYPE\s+STARTS\s+ENDS\s+PARENT$/);
    expect(list.stdout).toMatch(
      new RegExp(`^${fallId}\\s+${fallName}\\s+semester\\s+2026-09-01\\s+2026-12-18\\s+${yearName}$`, "m"),
    );
    expect((await cli("terms", "show", String(fallId))).stdout).toMatch(
      new RegExp(`^parent:\\s+${yearName} \\(term ${year.id}\\)$`, "m"),
    );

    expect(await said("terms", "update", String(fallId), "--ends", "2026-12-20", "--no-parent")).toBe(
      `Updated term ${fallId}: ${fallName} (semester, 2026-09-01 to 2026-12-20).`,
    );
    // the server checks the dates as they will be
    const backwards = await cli("terms", "update", String(fallId), "--starts", "2027-01-10");
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toMatch(/^error: /);

    const course = await sdk.trpc.courses.create.mutate({
      name: "Uses a term",
      level: "any",
      termId: fallId,
    });
    const inUse = await cli("terms", "delete", String(fallId));
    expect(inUse.code).toBe(1);
    expect(inUse.stderr.trim()).toBe(
      `error: Term ${fallId} is the term of a course or the parent of a term; it was not deleted.`,
    );
    await sdk.trpc.courses.update.mutate({ id: course.id, termId: null });
    expect(await said("terms", "delete", String(fallId))).toBe(`Deleted term ${fallId}: ${fallName}.`);
    const gone = await cli("terms", "show", String(fallId));
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`error: Term ${fallId} does not exist.`);
  });

  it("refuses malformed dates and types before sending anything (exit 2)", async () => {
    for (const args of [
      ["terms", "create", "Bad", "2026/09/01", "2026-12-18"],
      ["terms", "create", "Bad", "2026-09-01", "2026-12-18", "--type", "quarter"],
      ["terms", "update", "1", "--parent", "zero"],
    ]) {
      const run = await cli(...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: .+ It must be /m);
    }
  });
});

describe("courses named by code and term", () => {
  it("says what it created and updated with code, term, level, seats and waitlist places", async () => {
    const term = await sdk.trpc.terms.create.mutate({
      name: uniqueName("Fall 2026"),
      startsOn: "2026-09-01",
      endsOn: "2026-12-18",
    });
    const created = await said(
      "courses",
      "create",
      "Drama",
      "beginner",
      "--code",
      "DRA-101",
      "--term",
      String(term.id),
      "--capacity",
      "1",
      "--waitlist-capacity",
      "2",
      "--sourced-id",
      `dra-${process.pid}-${counter}`,
    );
    const id = Number(/^Created course (\d+): /.exec(created)?.[1]);
    expect(created).toBe(
      `Created course ${id}: DRA-101 Drama (${term.name}), beginner, 1 seat, 2 waitlist places.`,
    );
    expect(await said("courses", "update", String(id), "--capacity", "2", "--waitlist-capacity", "1")).toBe(
      `Updated course ${id}: DRA-101 Drama (${term.name}), beginner, 2 seats, 1 waitlist place.`,
    );
    expect(
      await said("courses", "update", String(id), "--no-code", "--no-term", "--capacity", "unlimited"),
    ).toBe(`Updated course ${id}: Drama, beginner, unlimited seats, 1 waitlist place.`);
    const shown = await json<Course>("courses", "show", String(id));
    expect(shown).toMatchObject({ code: null, termId: null, waitlistCapacity: 1 });
  });

  it("tells two courses of one name apart wherever it names them", async () => {
    const fall = await sdk.trpc.terms.create.mutate({
      name: uniqueName("Fall"),
      startsOn: "2026-09-01",
      endsOn: "2026-12-18",
    });
    const spring = await sdk.trpc.terms.create.mutate({
      name: uniqueName("Spring"),
      startsOn: "2027-01-10",
      endsOn: "2027-05-30",
    });
    const one = await sdk.trpc.courses.create.mutate({
      name: "Algebra",
      level: "beginner",
      code: "ALG-1",
      termId: fall.id,
    });
    const two = await sdk.trpc.courses.create.mutate({
      name: "Algebra",
      level: "beginner",
      code: "ALG-1",
      termId: spring.id,
      capacity: 1,
    });
    const ada = await student("Ada");
    expect(await said("enroll", String(ada.id), String(one.id), String(two.id))).toBe(
      `Enrolled student ${ada.id} in ALG-1 Algebra (${fall.name}, course ${one.id}) and ALG-1 Algebra (${spring.name}, course ${two.id}).`,
    );
    const list = await cli("courses", "list", "--search", "ALG-1", "--term", String(spring.id));
    expect(list.stdout).toMatch(
      new RegExp(`^${two.id}\\s+ALG-1\\s+Algebra\\s+${spring.name}\\s+beginner\\s+1\\s+1\\s+-$`, "m"),
    );
    expect(list.stdout).not.toMatch(new RegExp(`^${one.id}\\s`, "m"));

    const late = await student("Late");
    const full = await cli("enroll", String(late.id), String(two.id));
    expect(full.code).toBe(1);
    expect(full.stderr.trim()).toBe(
      `error: ALG-1 Algebra (${spring.name}, course ${two.id}) is full; nothing was enrolled.`,
    );
    const missing = await cli("courses", "show", "1999999");
    expect(missing.stderr.trim()).toBe("error: Course 1999999 does not exist.");
  });
});

describe("the enrollment lifecycle", () => {
  it("waitlists when full, promotes on a drop with a reason, completes, and lists statuses and history", async () => {
    const course = await sdk.trpc.courses.create.mutate({
      name: "Seminar",
      level: "advanced",
      code: "SEM-9",
      capacity: 1,
      waitlistCapacity: 2,
    });
    const label = `SEM-9 Seminar (course ${course.id})`;
    const [first, second, third, fourth] = await Promise.all([
      student("First"),
      student("Second"),
      student("Third"),
      student("Fourth"),
    ]);
    if (!first || !second || !third || !fourth) throw new Error("four students");
    expect(await said("enroll", String(first.id), String(course.id))).toBe(
      `Enrolled student ${first.id} in ${label}.`,
    );
    const refused = await cli("enroll", String(second.id), String(course.id));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `error: ${label} is full; nothing was enrolled. With --waitlist the student joins the waitlist.`,
    );
    expect(await said("enroll", String(second.id), String(course.id), "--waitlist")).toBe(
      `Put student ${second.id} on the waitlist of SEM-9 Seminar (course ${course.id}, position 1).`,
    );
    expect(await said("enroll", String(third.id), String(course.id), "--waitlist")).toBe(
      `Put student ${third.id} on the waitlist of SEM-9 Seminar (course ${course.id}, position 2).`,
    );
    expect(await said("enroll", String(third.id), String(course.id), "--waitlist")).toBe(
      `Student ${third.id} is already on the waitlist of SEM-9 Seminar (course ${course.id}, position 2).`,
    );
    const noRoom = await cli("enroll", String(fourth.id), String(course.id), "--waitlist");
    expect(noRoom.code).toBe(1);
    expect(noRoom.stderr.trim()).toBe(`error: ${label} is full, waitlist included; nothing was enrolled.`);

    const waitlist = await cli("waitlist", String(course.id));
    expect(waitlist.code, waitlist.stderr).toBe(0);
    const lines = waitlist.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`Waitlist of ${label}: 2 of 2 places taken.`);
    expect(lines[1]).toMatch(/^POSITION\s+ID\s+NAME\s+EMAIL\s+SINCE$/);
    expect(lines.slice(2).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ["1", String(second.id), "Second"],
      ["2", String(third.id), "Third"],
    ]);
    const waitingOf = await cli("courses-of", String(second.id));
    expect(waitingOf.stdout).toMatch(
      new RegExp(`^${course.id}\\s+SEM-9\\s+Seminar\\s+-\\s+advanced\\s+waitlisted \\(1\\)\\s+\\d{4}-`, "m"),
    );

    expect(await said("drop", String(first.id), String(course.id), "--reason", "moved away")).toBe(
      `Dropped student ${first.id} from ${label}.`,
    );
    // the freed seat went to the head of the waitlist
    const promoted = await json<{ courses: Row[] }>("courses-of", String(second.id));
    expect(promoted.courses).toEqual([
      expect.objectContaining({ id: course.id, status: "active", waitlistPosition: null }),
    ]);
    const dropped = await json<{ courses: Row[] }>(
      "courses-of",
      String(first.id),
      "--status",
      "dropped,completed",
    );
    expect(dropped.courses.map((row) => [row.id, row.status])).toEqual([[course.id, "dropped"]]);
    expect((await cli("courses-of", String(first.id))).stdout.trim()).toBe(
      `Student ${first.id} is not enrolled in any course.`,
    );

    expect(await said("complete", String(second.id), String(course.id), "--reason", "passed")).toBe(
      `Student ${second.id} completed ${label}.`,
    );
    const again = await cli("complete", String(second.id), String(course.id), "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: "invalid_transition" } });

    const roster = await json<{ students: Row[] }>("roster", String(course.id), "--status", "all");
    expect(roster.students.map((row) => [row.id, row.status]).sort()).toEqual(
      [
        [first.id, "dropped"],
        [second.id, "completed"],
        [third.id, "active"],
      ].sort(),
    );

    const history = await json<{ events: Entry[] }>("history", String(second.id));
    expect(
      history.events.map((entry) => [
        entry.action,
        entry.fromStatus,
        entry.toStatus,
        entry.reason,
        entry.source,
      ]),
    ).toEqual([
      ["waitlisted", null, "waitlisted", null, "trpc"],
      ["promoted", "waitlisted", "active", null, "system"],
      ["completed", "active", "completed", "passed", "trpc"],
    ]);
    const table = await cli("history", String(first.id), "--course", String(course.id));
    expect(table.stdout.split("\n")[0]).toMatch(/^AT\s+STUDENT\s+COURSE\s+ACTION\s+FROM\s+TO\s+REASON\s+BY$/);
    expect(table.stdout).toMatch(
      new RegExp(
        `\\s${first.id}\\s+SEM-9 Seminar \\(course ${course.id}\\)\\s+dropped\\s+active\\s+dropped\\s+moved away\\s+trpc$`,
        "m",
      ),
    );
    const ofCourse = await json<{ events: Entry[] }>("history", "--course", String(course.id));
    expect(ofCourse.events.map((entry) => entry.action)).toEqual([
      "enrolled",
      "waitlisted",
      "waitlisted",
      "dropped",
      "promoted",
      "completed",
      "promoted",
    ]);

    // a dropped enrollment named again becomes active again
    expect(await said("enroll", String(first.id), String(course.id), "--waitlist")).toBe(
      `Put student ${first.id} on the waitlist of SEM-9 Seminar (course ${course.id}, position 1).`,
    );
    const never = await cli("history", String(fourth.id), "--course", String(course.id));
    expect(never.code).toBe(1);
    expect(never.stderr.trim()).toBe(`error: Student ${fourth.id} is not enrolled in course ${course.id}.`);
  });

  it("refuses bad statuses, reasons and a history without ids before sending anything (exit 2)", async () => {
    for (const args of [
      ["courses-of", "1", "--status", "pending"],
      ["roster", "1", "--status", "all,active"],
      ["drop", "1", "1", "--reason", "x".repeat(501)],
      ["history"],
      ["courses", "add", "X", "y", "--waitlist-capacity", "-1"],
      ["courses", "update", "1", "--capacity", "none"],
    ]) {
      const run = await cli(...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: [A-Zo]/m);
    }
  });

  it("keeps v1 output shapes for --json and lists the new commands in its help", async () => {
    const help = await runCli(["--help"]);
    for (const command of ["terms", "complete", "history", "waitlist"]) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    const enrollHelp = await runCli(["enroll", "--help"]);
    expect(enrollHelp.stdout).toContain("--waitlist");
    expect((await runCli(["drop", "--help"])).stdout).toContain("--reason");
  });
});
