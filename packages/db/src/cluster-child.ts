// The child process of createClusterInChild({ migrate: true }) (pglite-cluster.ts): initdb
// and every migration in the directory given as its argument, then exit, so that the memory
// both grow in PGlite's WebAssembly heap goes with this process. Its last stdout line is the
// JSON array of the migrations it applied. The parent holds the directory's lock.
// No top-level await: the server's bundle also builds this file as CommonJS
// (apps/server/scripts/bundle.mjs), which cannot have one.
import { PGlite } from "@electric-sql/pglite";
import { createDatabase, pgliteExtensions } from "./database.ts";
import { migrateToLatest } from "./migrate.ts";

async function createMigratedCluster(dir: string | undefined): Promise<void> {
  if (!dir) throw new Error("no data directory given");
  // PGlite's defaults (fsync off): the parent flushes the whole cluster once this exits.
  const instance = new PGlite({ dataDir: dir, extensions: pgliteExtensions });
  const db = createDatabase({ kind: "pglite", instance });
  try {
    await instance.waitReady;
    const applied = await migrateToLatest(db);
    process.stdout.write(`${JSON.stringify(applied)}\n`);
  } finally {
    await db.destroy();
  }
}

createMigratedCluster(process.argv[2]).catch((error: unknown) => {
  process.stderr.write((error as Error).message ?? String(error));
  process.exitCode = 1;
});
