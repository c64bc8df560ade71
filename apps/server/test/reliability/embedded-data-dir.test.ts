import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

/**
 * One owner per embedded data directory, with the real processes an operator runs: the
 * server (src/main.ts), `pnpm db:seed` (packages/db/src/cli.ts) and `pnpm keys`
 * (src/keys-cli.ts), all on one PGLITE_DIR. Before the lock, each of them opened a directory
 * the server had open, printed success, and its writes (or the server's) were gone after the
 * next restart.
 */

const target = testDatabaseTarget();
const serverDir = fileURLToPath(new URL("../..", import.meta.url));
const dbDir = fileURLToPath(new URL("../../../../packages/db", import.meta.url));
const mainPath = join(serverDir, "src/main.ts");

type Run = { code: number | null; output: string };

/** A command as an operator runs it, on `dir` (never a DATABASE_URL from the caller's shell). */
function run(cwd: string, args: string[], dir: string, env: Record<string, string> = {}): Promise<Run> {
  const inherited: Record<string, string | undefined> = { ...process.env };
  delete inherited.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", ...args],
      {
        cwd,
        env: { ...inherited, PGLITE_DIR: dir, AUTH: "off", LOG_LEVEL: "warn", ...env },
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function json(response: Response): Promise<unknown> {
  return JSON.parse(await response.text());
}

async function studentEmails(baseUrl: string): Promise<string[]> {
  const page = (await json(await fetch(`${baseUrl}/students?limit=200`))) as {
    students: Array<{ email: string }>;
  };
  return page.students.map((student) => student.email);
}

async function addStudent(baseUrl: string, email: string): Promise<void> {
  const response = await fetch(`${baseUrl}/students`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: email.split("@")[0], email }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  await response.body?.cancel();
}

if (target.kind === "postgres") {
  describe("one owner per embedded data directory: PGlite only (runs with REGISTRAR_TEST_DB=pglite)", () => {
    it("prints why it does not run here", () => {
      console.log("NOTICE: the PGlite data-directory lock tests run in the PGlite half of the suite.");
    });
  });
} else {
  describe("one owner per embedded data directory, real processes", () => {
    let dir: string;
    const servers: ServerProcess[] = [];

    beforeEach(async () => {
      // From the migrated snapshot: initdb and the migrations would cost seconds per test.
      dir = await mkdtemp(join(tmpdir(), "registrar-owner-"));
      const seeded = new PGlite(dir, { loadDataDir: new Blob([await readFile(target.migratedSnapshot)]) });
      await seeded.waitReady;
      await seeded.close();
    });
    afterEach(async () => {
      for (const server of servers.splice(0)) await server.kill();
      await rm(dir, { recursive: true, force: true });
    });
    afterAll(async () => {
      for (const server of servers.splice(0)) await server.kill();
    });

    async function start(): Promise<ServerProcess> {
      const server = await startServerProcess(dir);
      servers.push(server);
      return server;
    }

    it("a second server, db:seed and keys create fail at once naming the server's pid; nothing is lost", {
      timeout: 240_000,
    }, async () => {
      const server = await start();
      const pid = server.child.pid;
      await addStudent(server.baseUrl, "first@owner.test");

      const [second, seed, keys] = await Promise.all([
        run(serverDir, [mainPath], dir, { PORT: "0" }),
        run(dbDir, ["src/cli.ts", "seed"], dir),
        run(serverDir, ["src/keys-cli.ts", "create", "--role", "admin"], dir),
      ]);
      for (const refused of [second, seed, keys]) {
        expect(refused.code, refused.output).toBe(1);
        expect(refused.output).toContain(`is in use by pid ${pid} (registrar server`);
        expect(refused.output).toMatch(/Stop that process first/);
      }
      expect(seed.output).not.toMatch(/seed: \d+ students/);
      expect(keys.output).not.toMatch(/rk_\d+_/);

      // The server kept the directory and still writes to it.
      await addStudent(server.baseUrl, "second@owner.test");
      expect(await studentEmails(server.baseUrl)).toEqual(["first@owner.test", "second@owner.test"]);

      // A graceful stop hands the directory back: seeding works, and survives the next start.
      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const seeded = await run(dbDir, ["src/cli.ts", "seed"], dir);
      expect(seeded.code, seeded.output).toBe(0);
      expect(seeded.output).toMatch(/seed: 36 students/);
      const again = await start();
      const emails = await studentEmails(again.baseUrl);
      expect(emails).toHaveLength(38);
      expect(emails).toEqual(expect.arrayContaining(["first@owner.test", "second@owner.test"]));
    });

    it("a server killed with kill -9 leaves a stale lock that the next start takes over, writes intact", {
      timeout: 240_000,
    }, async () => {
      const killed = await start();
      for (let i = 0; i < 5; i++) await addStudent(killed.baseUrl, `killed-${i}@owner.test`);
      await killed.kill();
      expect(killed.child.signalCode).toBe("SIGKILL");

      const next = await start();
      expect(await studentEmails(next.baseUrl)).toEqual(
        Array.from({ length: 5 }, (_, i) => `killed-${i}@owner.test`),
      );
      // and the new holder is protected like the first
      const refused = await run(dbDir, ["src/cli.ts", "migrate"], dir);
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toContain(`is in use by pid ${next.child.pid} (registrar server`);
    });
  });
}
