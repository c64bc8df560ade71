import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRegistrarClient, type RegistrarClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CliRun, runCli } from "./run-cli.ts";

// Each test runs the real binary several times (about half a second of Node start-up each).
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
/** Sets up data for the commands under test without paying a process start each time. */
let sdk: RegistrarClient;
beforeAll(async () => {
  server = await startTestServer();
  sdk = createRegistrarClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

const cli = (...args: string[]) => runCli(["--url", server.baseUrl, ...args]);

/** `--json` output of a run that must have succeeded. */
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const run = await cli(...args, "--json");
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function expectNoStackTrace(run: CliRun): void {
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/node:internal|\.ts:\d+/);
}

let counter = 0;
const email = () => `cli-${process.pid}-${++counter}@example.org`;

type Student = { id: number; name: string; email: string };
type Course = { id: number; name: string; level: string; capacity: number | null; enrolledCount: number };

describe("students and courses", () => {
  it("adds, lists, shows and removes a student, in tables and in JSON", async () => {
    const address = email();
    const added = await cli("students", "add", "Ada Lovelace", address);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^Created student (\\d+): Ada Lovelace <${address}>\\.$`, "m"));
    const id = Number(/student (\d+)/.exec(added.stdout)?.[1]);

    const list = await cli("students", "list", "--all");
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+EMAIL$/);
    expect(list.stdout).toContain(address);

    const listed = await json<{ students: Student[]; nextCursor: string | null }>(
      "students",
      "list",
      "--all",
    );
    expect(listed.students.find((student) => student.id === id)).toMatchObject({ name: "Ada Lovelace" });
    expect(listed.nextCursor).toBeNull();

    const shown = await cli("students", "show", String(id));
    expect(shown.stdout).toMatch(new RegExp(`^email:\\s+${address}$`, "m"));
    expect(await json("students", "show", String(id))).toMatchObject({ id, email: address });

    expect(await json("students", "rm", String(id))).toEqual({ id, deleted: true });
    const gone = await cli("students", "show", String(id));
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`error: Student ${id} does not exist.`);
  });

  it("pages with --limit and --cursor, and says how to get the next page", async () => {
    for (let i = 0; i < 3; i++) await sdk.trpc.students.create.mutate({ name: `Pager ${i}`, email: email() });
    const first = await json<{ students: Student[]; nextCursor: string }>("students", "list", "--limit", "2");
    expect(first.students).toHaveLength(2);
    expect(typeof first.nextCursor).toBe("string");
    const second = await json<{ students: Student[] }>(
      "students",
      "list",
      "--limit",
      "2",
      "--cursor",
      first.nextCursor,
    );
    expect(second.students[0]?.id).toBeGreaterThan(first.students[1]?.id ?? Number.POSITIVE_INFINITY);
    const human = await cli("students", "list", "--limit", "1");
    expect(human.stderr).toMatch(/more: registrar students list --cursor \S+/);
  });

  it("adds, shows and removes a course with a capacity", async () => {
    const course = await json<Course>("courses", "add", "Algebra", "beginner", "--capacity", "30");
    expect(course).toMatchObject({ name: "Algebra", level: "beginner", capacity: 30, enrolledCount: 0 });
    const unlimited = await cli("courses", "add", "Reading", "any");
    expect(unlimited.stdout).toMatch(/^Created course \d+: Reading, any, unlimited seats\.$/m);
    const one = await cli("courses", "add", "Drama", "beginner", "--capacity", "1");
    expect(one.stdout).toMatch(/^Created course \d+: Drama, beginner, 1 seat\.$/m);
    const many = await cli("courses", "add", "Choir", "any", "--capacity", "40");
    expect(many.stdout).toMatch(/^Created course \d+: Choir, any, 40 seats\.$/m);
    const list = await cli("courses", "list", "--all");
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID\s+CODE\s+NAME\s+TERM\s+LEVEL\s+CAPACITY\s+ENROLLED\s+WAITLIST$/,
    );
    expect(list.stdout).toMatch(
      new RegExp(`^${course.id}\\s+-\\s+Algebra\\s+-\\s+beginner\\s+30\\s+0\\s+-$`, "m"),
    );
    expect(await json("courses", "show", String(course.id))).toMatchObject({ id: course.id, capacity: 30 });
    expect((await cli("courses", "rm", String(course.id))).stdout.trim()).toBe(
      `Removed Algebra (course ${course.id}) and its enrollments.`,
    );
    expect((await cli("courses", "show", String(course.id))).code).toBe(1);
  });
});

describe("enrollments", () => {
  it("enrolls, lists both ways and drops", async () => {
    const student = await sdk.trpc.students.create.mutate({ name: "Grace Hopper", email: email() });
    const a = await sdk.trpc.courses.create.mutate({ name: "Compilers", level: "advanced" });
    const b = await sdk.trpc.courses.create.mutate({ name: "Navy history", level: "intro" });

    const enrolled = await cli("enroll", String(student.id), String(a.id), String(b.id));
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout.trim()).toBe(
      `Enrolled student ${student.id} in Compilers (course ${a.id}) and Navy history (course ${b.id}).`,
    );
    const again = await json("enroll", String(student.id), String(a.id));
    expect(again).toMatchObject({ enrolled: [], alreadyEnrolled: [a.id] });
    const c = await sdk.trpc.courses.create.mutate({ name: "Logic", level: "intro" });
    const mixed = await cli("enroll", String(student.id), String(c.id), String(a.id));
    expect(mixed.stdout.trim()).toBe(
      `Enrolled student ${student.id} in Logic (course ${c.id}); already enrolled in Compilers (course ${a.id}).`,
    );
    const none = await cli("enroll", String(student.id), String(b.id));
    expect(none.stdout.trim()).toBe(
      `Student ${student.id} is already enrolled in Navy history (course ${b.id}).`,
    );
    await sdk.trpc.enrollments.remove.mutate({ studentId: student.id, courseId: c.id });

    const courses = await json<{ courses: Course[] }>("courses-of", String(student.id));
    expect(courses.courses.map((course) => course.id)).toEqual([a.id, b.id]);
    const roster = await cli("roster", String(a.id));
    expect(roster.stdout).toMatch(
      new RegExp(`^${student.id}\\s+Grace Hopper\\s+\\S+@example.org\\s+\\d{4}-`, "m"),
    );

    const dropped = await cli("drop", String(student.id), String(a.id));
    expect(dropped.code).toBe(0);
    expect(dropped.stdout.trim()).toBe(`Dropped student ${student.id} from Compilers (course ${a.id}).`);
    const after = await json<{ courses: Course[] }>("courses-of", String(student.id));
    expect(after.courses.map((course) => course.id)).toEqual([b.id]);

    const dropAgain = await cli("drop", String(student.id), String(a.id), "--json");
    expect(dropAgain.code).toBe(1);
    expect(JSON.parse(dropAgain.stderr)).toMatchObject({ error: { code: "enrollment_not_found" } });
  });

  it("refuses a full course and missing courses with exit code 1 and the problem's detail", async () => {
    const course = await sdk.trpc.courses.create.mutate({ name: "Seminar", level: "advanced", capacity: 1 });
    const first = await sdk.trpc.students.create.mutate({ name: "First", email: email() });
    const second = await sdk.trpc.students.create.mutate({ name: "Second", email: email() });
    await sdk.trpc.enrollments.assign.mutate({ studentId: first.id, courseIds: [course.id] });

    const full = await cli("enroll", String(second.id), String(course.id));
    expect(full.code).toBe(1);
    expect(full.stderr.trim()).toBe(`error: Seminar (course ${course.id}) is full; nothing was enrolled.`);
    expectNoStackTrace(full);

    const missing = await cli("enroll", String(second.id), "1999999", "--json");
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: { code: "course_not_found", status: 422, missingCourseIds: [1_999_999] },
    });
  });
});

describe("usage, connection and exit codes", () => {
  it("exits 2 on usage errors, before any request", async () => {
    for (const args of [
      ["students", "show", "abc"],
      ["students", "show", "0"],
      ["enroll", "1"],
      ["frobnicate"],
      ["courses", "add", "X", "y", "--capacity", "0"],
      ["students", "list", "--limit", "500"],
      ["import", "enrollments.csv", "--concurrency", "0"],
    ]) {
      const run = await cli(...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: /m);
      expectNoStackTrace(run);
    }
    const badUrl = await runCli(["--url", "ftp://example.org", "students", "list"]);
    expect(badUrl.code).toBe(2);
  });

  it("exits 1 with each validation fault on a refused body", async () => {
    const run = await cli("students", "add", " ", "not-an-email");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .+\n {2}- name: .+\n {2}- email: must be a valid email address$/m);
  });

  it("exits 3 when the server cannot be reached", async () => {
    const run = await runCli(["students", "list"], { REGISTRAR_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: Cannot reach http:\/\/127\.0\.0\.1:9/);
    expectNoStackTrace(run);
  });

  it("exits 3 when something other than Registrar answers at the URL", async () => {
    const notRegistrar = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" }).end("<html>a web site</html>");
    });
    await new Promise<void>((resolve) => notRegistrar.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = notRegistrar.address() as AddressInfo;
      const run = await runCli(["--url", `http://127.0.0.1:${port}`, "students", "list"]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /^error: The server answered HTTP 200 \(text\/html\), not a Registrar API answer/,
      );
    } finally {
      await new Promise<void>((resolve) => notRegistrar.close(() => resolve()));
    }
  });

  it("takes the server from REGISTRAR_URL, and --url wins over it", async () => {
    const fromEnv = await runCli(["courses", "list", "--json"], { REGISTRAR_URL: server.baseUrl });
    expect(fromEnv.code).toBe(0);
    const flagWins = await runCli(["--url", server.baseUrl, "courses", "list"], {
      REGISTRAR_URL: "http://127.0.0.1:9",
    });
    expect(flagWins.code).toBe(0);
  });

  it("prints help with the exit codes, exit 0", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Exit codes:");
    expect(run.stdout).toMatch(/import \[options\] <file\.csv>/);
  });
});
