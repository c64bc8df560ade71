import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createDatabase, type Database } from "@registrar/db";
import {
  createTestDatabase,
  createTestDataDir,
  type TestDatabase,
  testDatabaseTarget,
} from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.ts";
import { runKeysCommand } from "./keys-command.ts";

const run = promisify(execFile);
const serverDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * The keys command against a database of its own: the test's PostgreSQL database, or on
 * PGlite a data folder that the command and this process open in turn (PGlite is one
 * process at a time).
 */
let pgliteDir: string | undefined;
let postgres: TestDatabase | undefined;

beforeAll(async () => {
  const target = testDatabaseTarget();
  if (target.kind === "postgres") {
    postgres = await createTestDatabase();
    return;
  }
  // A copy of the migrated directory: initdb and migrations would cost seconds.
  pgliteDir = await createTestDataDir();
});
afterAll(async () => {
  await postgres?.drop();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

function databaseEnv(): Record<string, string> {
  return postgres?.url ? { DATABASE_URL: postgres.url } : { PGLITE_DIR: pgliteDir ?? "" };
}

type KeysRun = { code: number; stdout: string; stderr: string };

/** The environment a command gets: the test's, with this file's database and no other. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...databaseEnv() };
  if (!postgres) delete env.DATABASE_URL;
  return env;
}

/**
 * `pnpm keys …` in this process (runKeysCommand, what src/keys-cli.ts runs), with its own
 * streams: a process through tsx per command cost ~1.5 s of CPU each here.
 */
async function keys(...args: string[]): Promise<KeysRun> {
  let stdout = "";
  let stderr = "";
  const code = await runKeysCommand(args, {
    env: commandEnv(),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The real command, `tsx src/keys-cli.ts` as `pnpm keys` runs it: for its exit codes and streams. */
async function keysProcess(...args: string[]): Promise<KeysRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/keys-cli.ts", ...args], {
      cwd: serverDir,
      env: commandEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as KeysRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs `use` with the app on the command's database, then closes it (PGlite: frees the folder). */
async function withApp<T>(use: (request: (token: string) => Promise<number>) => Promise<T>): Promise<T> {
  const db: Database = postgres ? postgres.db : createDatabase({ kind: "pglite", dir: pgliteDir ?? "" });
  try {
    // A fresh app each time: no key cache carried over.
    const app = createApp({ db, auth: { mode: "required" } });
    return await use(
      async (token) =>
        (await app.request("/students", { headers: { authorization: `Bearer ${token}` } })).status,
    );
  } finally {
    if (!postgres) await db.destroy();
  }
}

describe(`pnpm keys on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("creates a key shown once, lists keys without secrets, and revokes", { timeout: 240_000 }, async () => {
    const created = await keys("create", "--role", "admin", "--name", "first admin");
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^rk_\d+_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only now/);

    const json = await keys("create", "--role", "reader", "--json");
    expect(json.code, json.stderr).toBe(0);
    const reader = JSON.parse(json.stdout) as { id: number; role: string; token: string };
    expect(reader).toMatchObject({ role: "reader", revokedAt: null });

    const listed = await keys("list", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(list.map((key) => key.role)).toEqual(["admin", "reader"]);
    expect(list[0]).toMatchObject({ name: "first admin", revokedAt: null });
    expect(listed.stdout).not.toContain(token.replace(/^rk_\d+_/, ""));
    expect(Object.keys(list[0] ?? {})).not.toContain("secretHash");

    expect(await withApp(async (request) => [await request(token), await request(reader.token)])).toEqual([
      200, 200,
    ]);

    const revoked = await keys("revoke", String(reader.id));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`revoked key ${reader.id}`));

    expect(await withApp(async (request) => [await request(token), await request(reader.token)])).toEqual([
      200, 401,
    ]);
  });

  it("rejects bad arguments before opening the database", { timeout: 60_000 }, async () => {
    const unknown = await keys("rotate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/usage:/);
    const unbound = await keys("create", "--role", "student");
    expect(unbound.code).toBe(1);
    expect(unbound.stderr).toMatch(/student id/);
    const role = await keys("create", "--role", "janitor");
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(/role/);
    for (const answer of [unknown, unbound, role]) expect(answer.stderr).not.toMatch(/database:/);
  });

  it("as a process: the result alone on stdout, diagnostics on stderr, the exit code", {
    timeout: 60_000,
  }, async () => {
    const created = await keysProcess("create", "--role", "reader", "--name", "a script's", "--json");
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ role: "reader", name: "a script's" });
    expect(created.stderr).toMatch(/^database: /);
    const unknown = await keysProcess("rotate");
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/usage:/);
  });
});
