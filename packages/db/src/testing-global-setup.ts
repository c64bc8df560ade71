import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { createDatabase, pgliteExtensions } from "./database.ts";
import { databaseUrl } from "./database-url.ts";
import { migrateToLatest } from "./migrate.ts";

/**
 * Runs once per test run. PGlite: one initdb, dumped before and after migrating, so each
 * test file loads a snapshot (~0.7 s) instead of running initdb (~5 s); the migrated one is
 * also unpacked once into a data directory that tests copy for a server process of their own
 * (`createTestDataDir`: a copy, where a fresh directory costs that process an initdb in a
 * child and every migration, 5-8 s of CPU). PostgreSQL: one migrated template database that
 * each test file clones, dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = process.env.REGISTRAR_TEST_DB ?? "pglite";
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "registrar-pglite-"));
    const instance = new PGlite({ extensions: pgliteExtensions });
    const db = createDatabase({ kind: "pglite", instance });
    await instance.waitReady;
    const emptySnapshot = join(dir, "empty.tar");
    const migratedSnapshot = join(dir, "migrated.tar");
    try {
      await writeFile(emptySnapshot, Buffer.from(await (await instance.dumpDataDir("none")).arrayBuffer()));
      await migrateToLatest(db);
      await writeFile(
        migratedSnapshot,
        Buffer.from(await (await instance.dumpDataDir("none")).arrayBuffer()),
      );
    } finally {
      await db.destroy();
    }
    const migratedDir = join(dir, "migrated");
    const unpacked = new PGlite(migratedDir, { loadDataDir: new Blob([await readFile(migratedSnapshot)]) });
    await unpacked.waitReady;
    await unpacked.close();
    project.provide("testDatabase", { kind: "pglite", emptySnapshot, migratedSnapshot, migratedDir });
    return () => rm(dir, { recursive: true, force: true });
  }
  if (kind !== "postgres") throw new Error(`REGISTRAR_TEST_DB must be pglite or postgres, not ${kind}`);

  const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const template = `registrar_template_${process.pid}_${randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const admin = createDatabase({ kind: "postgres", url: adminUrl, poolMax: 1 });
  await admin.raw(`create database ${template}`);
  const db = createDatabase({ kind: "postgres", url: databaseUrl(adminUrl, template) });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide("testDatabase", { kind: "postgres", adminUrl, template });
  return async () => {
    try {
      await admin.raw(`drop database if exists ${template} with (force)`);
    } finally {
      await admin.destroy();
    }
  };
}
