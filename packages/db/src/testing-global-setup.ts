import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { createDatabase, pgliteExtensions } from "./database.ts";
import { databaseUrl } from "./database-url.ts";
import { migrateToLatest } from "./migrate.ts";

/** A PGlite's data directory as a tar, held in memory. */
async function dumpOf(instance: PGlite): Promise<Buffer> {
  return Buffer.from(await (await instance.dumpDataDir("none")).arrayBuffer());
}

/**
 * The cluster without its template databases: nothing in a test creates a database on
 * PGlite, and each test database loads its snapshot whole, so template0 and template1
 * (~7 MB and ~300 files each) were two thirds of every load's files. Without them a test
 * database starts in ~550 instead of ~720 ms of CPU (medians of 8 loads of the migrated
 * snapshot). The data directory that server processes copy keeps them: it is a cluster as
 * an operator's is.
 */
async function dumpWithoutTemplates(instance: PGlite): Promise<Buffer> {
  for (const template of ["template1", "template0"]) {
    await instance.query(`alter database ${template} is_template false`);
    await instance.query(`drop database ${template}`);
  }
  await instance.query("checkpoint");
  return dumpOf(instance);
}

/**
 * Runs once per test run. PGlite: one initdb, dumped before and after migrating, so each
 * test file loads a snapshot (~0.5 s) instead of running initdb (~5 s); the migrated one is
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
    let empty: Buffer;
    let migratedWithTemplates: Buffer;
    try {
      empty = await dumpOf(instance);
      await migrateToLatest(db);
      migratedWithTemplates = await dumpOf(instance);
      await writeFile(migratedSnapshot, await dumpWithoutTemplates(instance));
    } finally {
      await db.destroy();
    }
    const unmigrated = new PGlite({ extensions: pgliteExtensions, loadDataDir: new Blob([empty]) });
    try {
      await writeFile(emptySnapshot, await dumpWithoutTemplates(unmigrated));
    } finally {
      await unmigrated.close();
    }
    const migratedDir = join(dir, "migrated");
    const unpacked = new PGlite(migratedDir, { loadDataDir: new Blob([migratedWithTemplates]) });
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
