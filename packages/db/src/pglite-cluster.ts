import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fsyncTree } from "./durable-nodefs.ts";

/**
 * PostgreSQL's `shared_buffers` for embedded PGlite (PGlite's own default is PostgreSQL's
 * 128 MB). Every page PGlite reads comes from the operating system's file cache anyway, so
 * a second, large cache inside the WebAssembly heap buys little and costs resident memory
 * for the life of the process: measured on an existing directory, the server idles at
 * 336 MB with 128 MB and at about 220 MB with 16 MB (under 250 MB, as issue 16 asks). 16 MB holds the whole working set of
 * a school with tens of thousands of enrollments.
 */
export const PGLITE_SHARED_BUFFERS = "16MB";

/** True when `dir` holds no PostgreSQL cluster yet (PGlite would run initdb in it). */
export function needsCluster(dir: string): boolean {
  return !existsSync(join(dir, "PG_VERSION"));
}

/**
 * Creates a new cluster in `dir` in a short-lived child process, with `migrate` also every
 * migration (resolving to the names applied), then flushes every file of it to disk (the
 * child runs PGlite without fsync; the cluster is not in use until this returns). Why a
 * child: initdb grows PGlite's WebAssembly memory to about 700 MB, and a WebAssembly memory
 * never shrinks; nor does the process give those pages back once the instance is gone
 * (measured: 738 MB resident after an initdb in process, 234 MB left after one in a worker
 * thread that exited, against 160 MB for opening an existing directory). The migrations
 * touch another ~50 MB of it (the catalog caches of one transaction creating every table,
 * index and trigger): the server idled at 275 MiB after a first start that migrated in
 * process, against 228 MiB on an existing directory. A process that exits returns all of
 * it, so a first start idles like every later one.
 *
 * The caller holds the directory's lock (data-dir-lock.ts) for the whole time: the child
 * is this process's helper, not another owner.
 */
export function createClusterInChild(dir: string, options: { migrate?: boolean } = {}): string[] {
  const child = options.migrate ? migratingChild(dir) : initdbChild(dir);
  if (child.error) throw new Error(`could not start initdb for ${dir}: ${child.error.message}`);
  // Also after a migration that failed in the child: the next start takes the cluster as it is
  // (and migrates in process), so it must be on disk whole.
  if (!needsCluster(dir)) fsyncTree(dir);
  if (child.status !== 0) {
    const reason =
      child.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${child.status ?? child.signal}`;
    throw new Error(`${options.migrate ? "initdb and migrations" : "initdb"} in ${dir} failed: ${reason}`);
  }
  if (!options.migrate) return [];
  const applied: unknown = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "[]");
  return Array.isArray(applied) ? applied.filter((name): name is string => typeof name === "string") : [];
}

/**
 * Node flags for a short-lived process that opens PGlite: V8 keeps PGlite's WebAssembly on
 * its baseline compiler (Liftoff) instead of recompiling the hot functions with TurboFan on
 * background threads, which such a process never earns back. Behaviour is the same (V8's
 * tiers differ in speed only); not for a long-running server, whose heavy statements run
 * 30-70% slower on baseline code. The children here run initdb (and the migrations, on
 * empty tables) and exit: a first start on an empty directory, to the first 200 of
 * /health/ready, six alternating starts each: 3.96-4.73 s (median 4.51) by default,
 * 3.61-4.47 s (4.01) with them.
 */
export const shortLivedPgliteNodeFlags: readonly string[] = ["--liftoff-only"];

function initdbChild(dir: string) {
  const pglite = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const program = `
    const { PGlite } = require(${JSON.stringify(pglite)});
    (async () => {
      const db = new PGlite({ dataDir: ${JSON.stringify(dir)} });
      await db.waitReady;
      await db.close();
    })().catch((error) => {
      process.stderr.write(String(error && error.message ? error.message : error));
      process.exit(1);
    });`;
  return spawnSync(process.execPath, [...shortLivedPgliteNodeFlags, "-e", program], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
}

/**
 * Set by the server's bundle (apps/server/scripts/bundle.mjs) to the cluster child it built
 * beside itself; not defined anywhere else. Bundled, the child runs with plain node instead
 * of tsx's loader compiling ~40 TypeScript files: `node dist/main.mjs` on an empty directory
 * to the first 200 of /health/ready, 4 alternating starts each, 5,245 → 4,465 ms (medians).
 */
declare const REGISTRAR_BUNDLED_CLUSTER_CHILD: string | undefined;

/**
 * The migrations are TypeScript (as is this file, even inside the server's bundle, which
 * keeps every source file's own URL), so outside the bundle the child runs cluster-child.ts
 * through tsx.
 */
function migratingChild(dir: string) {
  const bundled =
    typeof REGISTRAR_BUNDLED_CLUSTER_CHILD === "string" ? REGISTRAR_BUNDLED_CLUSTER_CHILD : undefined;
  // A bundle without it is half a build; node's own "Cannot find module" would reach the
  // operator as the last lines of a stack trace.
  if (bundled !== undefined && !existsSync(bundled)) {
    throw new Error(
      `the server's bundle is missing ${bundled}, which creates a new cluster: bundle the server again (pnpm --filter @registrar/server build)`,
    );
  }
  const command =
    bundled !== undefined
      ? [bundled]
      : [
          "--import",
          pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
          fileURLToPath(new URL("./cluster-child.ts", import.meta.url)),
        ];
  return spawnSync(process.execPath, [...shortLivedPgliteNodeFlags, ...command, dir], {
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
}
