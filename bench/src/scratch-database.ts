import { createDatabase, type Database } from "@registrar/db";

/**
 * Runs `run` on a database of its own: PGlite in memory, or, when DATABASE_URL names a
 * PostgreSQL server, a scratch database `registrar_bench_<purpose>_<pid>` created next to
 * the one named and dropped afterwards. For the bench scripts that time one part of the
 * service without HTTP (the OneRoster import and export).
 */
export async function withScratchDatabase(
  purpose: string,
  run: (db: Database) => Promise<void>,
): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = createDatabase({ kind: "pglite", dir: "memory://" });
    try {
      await run(db);
    } finally {
      await db.destroy();
    }
    return;
  }
  const name = `registrar_bench_${purpose}_${process.pid}`;
  const admin = createDatabase({ kind: "postgres", url, poolMax: 1 });
  await admin.raw(`create database ${name}`);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  const db = createDatabase({ kind: "postgres", url: scratch.toString(), poolMax: 2 });
  try {
    await run(db);
  } finally {
    await db.destroy();
    await admin.raw(`drop database ${name}`);
    await admin.destroy();
  }
}
