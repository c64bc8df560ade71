import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "./run-cli.ts";

vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "registrar-oneroster-cli-"));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(["--url", server.baseUrl, ...args]);
const csv = (rows: string[][]) => strToU8(rows.map((row) => row.join(",")).join("\r\n"));

/**
 * A OneRoster 1.1 package with what real ones have: three students and a teacher (skipped),
 * a class with two students, a teacher's enrollment (skipped) and an enrollment in a class
 * the package lacks (an error on line 5 of enrollments.csv).
 */
function packageWithErrors(): string {
  const path = join(dir, "with-errors.zip");
  const user = (id: string, role: string, given: string, family: string) => [
    id,
    "active",
    "",
    role,
    given,
    family,
    `${given.toLowerCase()}@cli.example`,
  ];
  const enrollment = (id: string, classId: string, userId: string, role: string) => [
    id,
    "active",
    "",
    classId,
    "cli-school",
    userId,
    role,
    "",
    "",
    "",
  ];
  writeFileSync(
    path,
    zipSync({
      "manifest.csv": csv([
        ["propertyName", "value"],
        ["oneroster.version", "1.1"],
        ["file.users", "bulk"],
        ["file.classes", "bulk"],
        ["file.enrollments", "bulk"],
      ]),
      "users.csv": csv([
        ["sourcedId", "status", "dateLastModified", "role", "givenName", "familyName", "email"],
        user("cli-s1", "student", "Ines", "Quarto"),
        user("cli-s2", "student", "Oskar", "Brandt"),
        user("cli-s3", "student", "Maren", "Holt"),
        user("cli-t1", "teacher", "Tomas", "Reyes"),
      ]),
      "classes.csv": csv([
        ["sourcedId", "status", "dateLastModified", "title", "classCode", "schoolSourcedId"],
        ["cli-c1", "active", "", "Geology", "GEO-1", "cli-school"],
      ]),
      "enrollments.csv": csv([
        [
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
        enrollment("cli-e1", "cli-c1", "cli-s1", "student"),
        enrollment("cli-e2", "cli-c1", "cli-s2", "student"),
        enrollment("cli-e3", "cli-c1", "cli-t1", "teacher"),
        enrollment("cli-e4", "cli-c-missing", "cli-s3", "student"),
      ]),
    }),
  );
  return path;
}

function cleanPackage(): string {
  const path = join(dir, "clean.zip");
  writeFileSync(
    path,
    zipSync({
      "manifest.csv": csv([
        ["propertyName", "value"],
        ["oneroster.version", "1.1"],
        ["file.users", "bulk"],
      ]),
      "users.csv": csv([
        ["sourcedId", "status", "dateLastModified", "role", "givenName", "familyName", "email"],
        ["cli-u1", "active", "", "student", "Cleo", "Line", "cleo@cli.example"],
      ]),
    }),
  );
  return path;
}

describe("registrar oneroster import", () => {
  it("--dry-run prints the report and writes nothing; the import applies it; failed rows exit 1", async () => {
    const withErrors = packageWithErrors();
    const dry = await cli("oneroster", "import", withErrors, "--dry-run");
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain("OneRoster 1.1 (dry run: nothing was written)");
    expect(dry.stdout).toMatch(/students\s+3 created, 1 skipped/);
    expect(dry.stdout).toMatch(/enrollments\s+2 created, 1 skipped/);
    expect(dry.stdout).toContain("enrollments.csv line 5 (cli-e4): missing_reference:");
    expect(await server.database.db("students").count({ n: "*" }).first()).toMatchObject({
      n: expect.anything(),
    });
    expect(Number((await server.database.db("students").count({ n: "*" }).first())?.n)).toBe(0);

    const applied = await cli("oneroster", "import", withErrors, "--json");
    expect(applied.code, applied.stderr).toBe(1);
    const report = JSON.parse(applied.stdout) as {
      dry_run: boolean;
      summary: { students: { created: number } };
    };
    expect(report.dry_run).toBe(false);
    expect(report.summary.students.created).toBe(3);

    const clean = await cli("oneroster", "import", cleanPackage());
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/students\s+1 created/);
    expect(clean.stdout).toContain("errors       0");
  });

  it("--progress shows the upload and the server's phase on stderr; stdout stays the report", async () => {
    // a package of some size, so that the upload is seen in several steps
    const path = join(dir, "progress.zip");
    const users = [["sourcedId", "status", "dateLastModified", "role", "givenName", "familyName", "email"]];
    for (let n = 0; n < 2000; n++)
      users.push([`prog-${n}`, "active", "", "student", `P${n}`, "Rogress", `p${n}@progress.example`]);
    writeFileSync(
      path,
      zipSync(
        {
          "manifest.csv": csv([
            ["propertyName", "value"],
            ["oneroster.version", "1.1"],
            ["file.users", "bulk"],
          ]),
          "users.csv": csv(users),
        },
        { level: 0 },
      ),
    );
    const shown = await cli("oneroster", "import", path, "--dry-run", "--progress");
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^uploading \S*progress\.zip: \d+\.\d MiB of \d+\.\d MiB \(\d+%\)$/);
    expect(lines).toContain(lines.find((line) => /^uploading \S*progress\.zip: .* \(100%\)$/.test(line)));
    expect(lines.at(-2)).toMatch(
      /^uploaded \S*progress\.zip \(\d+ bytes\) in \d+\.\d s; the server is reading and checking it…$/,
    );
    expect(lines.at(-1)).toMatch(/^checked \S*progress\.zip in \d+\.\d s$/);
    expect(shown.stdout).toContain("(dry run: nothing was written)");
    expect(shown.stdout).toMatch(/students\s+2000 created/);
    expect(shown.stdout).not.toContain("uploading");

    // with --json too: stdout is the report alone
    const json = await cli("oneroster", "import", path, "--dry-run", "--progress", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ dry_run: true });
    expect(json.stderr).toMatch(/^checked \S*progress\.zip in /m);

    // without a terminal and without the flag: nothing on stderr
    const quiet = await cli("oneroster", "import", path, "--dry-run");
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe("");

    // a refused package: the progress ends, and the problem follows
    const notZip = join(dir, "progress-not.zip");
    writeFileSync(notZip, "sourcedId\n1\n");
    const refused = await cli("oneroster", "import", notZip, "--progress");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^\S*progress-not\.zip: refused after \d+\.\d s\nerror: The body is not a readable zip file/m,
    );
  });

  it("a file that is not a package exits 1 with the server's problem; a missing file is a usage error (2)", async () => {
    const notZip = join(dir, "not.zip");
    writeFileSync(notZip, "sourcedId\n1\n");
    const refused = await cli("oneroster", "import", notZip);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: The body is not a readable zip file/m);
    expect(refused.stderr).not.toMatch(/^\s+at /m);

    const missing = await cli("oneroster", "import", join(dir, "nothing-here.zip"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nothing-here\.zip: ENOENT/);
  });
});

describe("registrar oneroster export", () => {
  it("streams GET /oneroster/export to the file", async () => {
    const zip = zipSync({ "manifest.csv": strToU8("propertyName,value\r\noneroster.version,1.2") });
    const fake = createServer((request, response) => {
      if (request.url === "/oneroster/export") {
        response.writeHead(200, { "content-type": "application/zip" });
        // in two chunks: the command writes what arrives as it arrives
        response.write(zip.subarray(0, 10));
        setTimeout(() => response.end(zip.subarray(10)), 20);
      } else {
        response.writeHead(404, { "content-type": "application/problem+json" });
        response.end(
          JSON.stringify({
            type: "about:blank",
            title: "Not found",
            status: 404,
            code: "not_found",
            detail: "nothing",
          }),
        );
      }
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const out = join(dir, "export.zip");
      const run = await runCli(["--url", url, "oneroster", "export", out]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Wrote .*export\.zip \(\d+ bytes\)\.$/m);
      expect(Object.keys(unzipSync(new Uint8Array(readFileSync(out))))).toEqual(["manifest.csv"]);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it("a server that refuses exits 1 and leaves no file", async () => {
    const fake = createServer((_request, response) => {
      response.writeHead(403, { "content-type": "application/problem+json" });
      response.end(
        JSON.stringify({
          type: "about:blank",
          title: "Forbidden",
          status: 403,
          code: "forbidden",
          detail: "Not yours.",
        }),
      );
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const out = join(dir, "refused.zip");
      const run = await runCli(["--url", url, "oneroster", "export", out]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: Not yours\./m);
      expect(() => readFileSync(out)).toThrow();
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
