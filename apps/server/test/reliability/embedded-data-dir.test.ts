import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDataDir, testDatabaseTarget, testProcessNodeFlags } from "@registrar/db/testing";
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

/**
 * One owner per embedded data directory, with the real processes an operator runs: the
 * server (bundled, as `pnpm start` runs it), `pnpm db:*` (packages/db/src/cli.ts) and `pnpm keys`
 * (src/keys-cli.ts), all on one PGLITE_DIR. Before the lock, each of them opened a directory
 * the server had open, printed success, and its writes (or the server's) were gone after the
 * next restart; a key made with the server running answered 401.
 */

const target = testDatabaseTarget();
const serverDir = fileURLToPath(new URL("../..", import.meta.url));
const dbDir = fileURLToPath(new URL("../../../../packages/db", import.meta.url));
const bundledServer = inject("serverBundle");

type Run = { code: number | null; output: string };

/**
 * A command as an operator runs it, on `dir` (never a DATABASE_URL from the caller's shell):
 * TypeScript through tsx, as `pnpm db:*` and `pnpm keys` run it, or the bundled server
 * (`.mjs`) with plain node, as `pnpm start` runs it.
 */
function run(cwd: string, args: string[], dir: string, env: Record<string, string> = {}): Promise<Run> {
  const inherited: Record<string, string | undefined> = { ...process.env };
  delete inherited.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...testProcessNodeFlags, ...(args[0]?.endsWith(".mjs") ? args : ["--import", "tsx", ...args])],
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

/** The record of the lock's current holder (packages/db/src/data-dir-lock.ts: the highest number). */
function heldRecord(dir: string): { state: string; pid: number; channel?: string } {
  const [newest] = readdirSync(dir)
    .filter((name) => /^registrar\.lock\.\d+$/.test(name))
    .sort((a, b) => Number(b.split(".").at(-1)) - Number(a.split(".").at(-1)));
  const record = JSON.parse(readFileSync(join(dir, newest ?? ""), "utf8"));
  expect(record.state).toBe("held");
  return record;
}

async function json(response: Response): Promise<unknown> {
  return JSON.parse(await response.text());
}

async function studentEmails(baseUrl: string, headers: Record<string, string> = {}): Promise<string[]> {
  const response = await fetch(`${baseUrl}/students?limit=200`, { headers });
  expect(response.status).toBe(200);
  const page = (await json(response)) as { students: Array<{ email: string }> };
  return page.students.map((student) => student.email);
}

async function addStudent(
  baseUrl: string,
  email: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const response = await fetch(`${baseUrl}/students`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
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
    const backups: string[] = [];

    beforeEach(async () => {
      // A copy of the migrated directory: initdb and the migrations would cost seconds per test.
      dir = await createTestDataDir();
    });
    afterEach(async () => {
      for (const server of servers.splice(0)) await server.kill();
      await rm(dir, { recursive: true, force: true });
      for (const path of backups.splice(0)) await rm(path, { recursive: true, force: true });
    });
    afterAll(async () => {
      for (const server of servers.splice(0)) await server.kill();
    });

    async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
      const server = await startServerProcess(dir, env);
      servers.push(server);
      return server;
    }

    it("next to a running server: a second server and db:migrate fail naming its pid; db:seed, keys create and db:backup are done by the server and last", {
      timeout: 300_000,
    }, async () => {
      // As an operator meets it: AUTH=required and no key yet, so the server says to create one.
      const server = await start({ AUTH: "required" });
      const pid = server.child.pid;
      expect(server.output()).toContain("pnpm keys create --role admin");

      const [second, migrate] = await Promise.all([
        run(serverDir, [bundledServer], dir, { PORT: "0" }),
        run(dbDir, ["src/cli.ts", "migrate"], dir),
      ]);
      for (const refused of [second, migrate]) {
        expect(refused.code, refused.output).toBe(1);
        expect(refused.output).toContain(`is in use by pid ${pid} (registrar server`);
        expect(refused.output).toMatch(/Stop that process first/);
      }

      const keys = await run(serverDir, ["src/keys-cli.ts", "create", "--role", "admin"], dir);
      expect(keys.code, keys.output).toBe(0);
      expect(keys.output).toContain(`through registrar server (pid ${pid})`);
      const token = /rk_\d+_[A-Za-z0-9_-]{43}/.exec(keys.output)?.[0] ?? "";
      expect(token).not.toBe("");
      const auth = { authorization: `Bearer ${token}` };
      // the key works at once: the server made it
      await addStudent(server.baseUrl, "first@owner.test", auth);

      const seed = await run(dbDir, ["src/cli.ts", "seed"], dir);
      expect(seed.code, seed.output).toBe(0);
      expect(seed.output).toMatch(/seed: 36 students/);
      expect(await studentEmails(server.baseUrl, auth)).toHaveLength(37);

      const backupFile = join(dir, "..", `${dir.split("/").at(-1)}-backup.tar.gz`);
      backups.push(backupFile);
      const backup = await run(dbDir, ["src/cli.ts", "backup", backupFile], dir);
      expect(backup.code, backup.output).toBe(0);
      expect(backup.output).toContain(`backup: ${backupFile}`);
      await addStudent(server.baseUrl, "after-backup@owner.test", auth);

      // Stopped and started again, everything the others did is still there.
      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const again = await start({ AUTH: "required" });
      const emails = await studentEmails(again.baseUrl, auth);
      expect(emails).toHaveLength(38);
      expect(emails).toEqual(expect.arrayContaining(["first@owner.test", "after-backup@owner.test"]));
      await again.kill();

      // The backup, unpacked as its message says, is the database as it was when it was taken.
      const restored = await mkdtemp(join(tmpdir(), "registrar-restored-"));
      backups.push(restored);
      const untar = await new Promise<number | null>((resolve) =>
        execFile("tar", ["-xzf", backupFile, "-C", restored], (error) => resolve(error ? 1 : 0)),
      );
      expect(untar).toBe(0);
      const fromBackup = await startServerProcess(restored, { AUTH: "required" });
      servers.push(fromBackup);
      const restoredEmails = await studentEmails(fromBackup.baseUrl, auth);
      expect(restoredEmails).toHaveLength(37);
      expect(restoredEmails).toContain("first@owner.test");
      expect(restoredEmails).not.toContain("after-backup@owner.test");
    });

    it("a server killed with kill -9 leaves a stale lock that the next start takes over, writes intact", {
      timeout: 240_000,
    }, async () => {
      const killed = await start();
      for (let i = 0; i < 5; i++) await addStudent(killed.baseUrl, `killed-${i}@owner.test`);
      const killedChannel = heldRecord(dir).channel;
      expect(killedChannel).toMatch(/registrar-owner-[^/]+\/socket$/);
      await killed.kill();
      expect(killed.child.signalCode).toBe("SIGKILL");

      const next = await start();
      expect(await studentEmails(next.baseUrl)).toEqual(
        Array.from({ length: 5 }, (_, i) => `killed-${i}@owner.test`),
      );
      // the dead server's command socket, which it could not remove, went with its lock
      expect(existsSync(dirname(killedChannel ?? ""))).toBe(false);
      expect(heldRecord(dir)).toMatchObject({ pid: next.child.pid });
      expect(existsSync(heldRecord(dir).channel ?? "")).toBe(true);
      // and the new holder is protected like the first
      const refused = await run(dbDir, ["src/cli.ts", "migrate"], dir);
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toContain(`is in use by pid ${next.child.pid} (registrar server`);
    });
  });
}
