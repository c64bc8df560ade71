import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { inject } from "vitest";
import {
  createDatabase,
  type Database,
  type DatabaseKind,
  type DatabaseLog,
  inMemoryStartParams,
  type PostgresTimeouts,
  pgliteExtensions,
} from "./database.ts";
import { databaseUrl } from "./database-url.ts";
import { shortLivedPgliteNodeFlags } from "./pglite-cluster.ts";

export { databaseUrl };

/**
 * Node flags for the processes tests start that open PGlite (servers, commands, contenders),
 * short-lived all: {@link shortLivedPgliteNodeFlags}. A server started on a migrated
 * directory and idle 4 s after /health/ready used 1,190 ms of CPU without them and 600 ms
 * with them, on an in-memory one (initdb and migrations) 3,610 vs 2,250 ms.
 */
export const testProcessNodeFlags = shortLivedPgliteNodeFlags;

/** What the global setup prepared for this run (see `testing-global-setup.ts`). */
export type TestDatabaseTarget =
  | { kind: "pglite"; emptySnapshot: string; migratedSnapshot: string; migratedDir: string }
  | { kind: "postgres"; adminUrl: string; template: string };

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: TestDatabaseTarget;
  }
}

export type TestDatabase = {
  kind: DatabaseKind;
  db: Database;
  /** PostgreSQL only: the URL of this test's own database, for other processes. */
  url: string | undefined;
  /**
   * What knex logged on this database (a migration that failed, a connection the server
   * ended). Kept here, not printed: a passing run prints nothing, and a test that expects
   * a warning asserts on it.
   */
  logged: LoggedLine[];
  /** Closes the connection and, on PostgreSQL, drops the database. */
  drop(): Promise<void>;
};

export type LoggedLine = { level: "warn" | "error"; message: string };

function collectingLog(): { logged: LoggedLine[]; log: DatabaseLog } {
  const logged: LoggedLine[] = [];
  return {
    logged,
    log: {
      warn: (message) => logged.push({ level: "warn", message }),
      error: (message) => logged.push({ level: "error", message }),
    },
  };
}

const snapshots = new Map<string, Promise<Buffer>>();

function readSnapshot(path: string): Promise<Buffer> {
  let snapshot = snapshots.get(path);
  if (!snapshot) {
    snapshot = readFile(path);
    snapshots.set(path, snapshot);
  }
  return snapshot;
}

export function testDatabaseTarget(): TestDatabaseTarget {
  return inject("testDatabase");
}

/**
 * A database of its own for one test file: PGlite loaded from the migrated (or empty)
 * snapshot, or a fresh PostgreSQL database cloned from the migrated template.
 */
export async function createTestDatabase(
  options: {
    migrated?: boolean;
    /** PostgreSQL only: for a file whose seed runs longer than the server's defaults allow. */
    postgresTimeouts?: PostgresTimeouts;
  } = {},
): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  const target = testDatabaseTarget();
  const { logged, log } = collectingLog();
  if (target.kind === "pglite") {
    const snapshot = await readSnapshot(migrated ? target.migratedSnapshot : target.emptySnapshot);
    // The server's in-memory parameters (database.ts). With PGlite's default shared buffers
    // each test database's start also took ~130 ms more CPU: 458 vs 330 ms (medians of 10).
    const instance = new PGlite({
      loadDataDir: new Blob([snapshot]),
      extensions: pgliteExtensions,
      startParams: [...inMemoryStartParams],
    });
    await instance.waitReady;
    const db = createDatabase({ kind: "pglite", instance, log });
    return { kind: "pglite", db, url: undefined, logged, drop: () => db.destroy() };
  }
  const name = `registrar_test_${process.pid}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = createDatabase({ kind: "postgres", url: target.adminUrl, poolMax: 1 });
  try {
    await admin.raw(
      migrated ? `create database ${name} template ${target.template}` : `create database ${name}`,
    );
  } finally {
    await admin.destroy();
  }
  const url = databaseUrl(target.adminUrl, name);
  const db = createDatabase({ kind: "postgres", url, log, ...options.postgresTimeouts });
  return {
    kind: "postgres",
    db,
    url,
    logged,
    drop: async () => {
      await db.destroy();
      const cleanup = createDatabase({ kind: "postgres", url: target.adminUrl, poolMax: 1 });
      try {
        await cleanup.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/**
 * PGlite only: a new data directory (under the system's temp directory, or at `at`, which
 * must not exist yet) holding the migrated database, as a server process finds it on its
 * second start. A copy of the directory the global setup unpacked once: a fresh directory
 * would cost the process an initdb and every migration, seconds of CPU each time.
 */
export async function createTestDataDir(at?: string): Promise<string> {
  const target = testDatabaseTarget();
  if (target.kind !== "pglite") throw new Error("createTestDataDir is for the PGlite half only");
  const dir = at ?? (await mkdtemp(join(tmpdir(), "registrar-data-")));
  await cp(target.migratedDir, dir, { recursive: true });
  return dir;
}
