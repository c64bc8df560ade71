import { closeSync, existsSync, fsyncSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";

/**
 * PGlite on a real directory, with commits that reach the disk before they are acknowledged.
 *
 * PGlite 0.5 starts PostgreSQL with `-F` (fsync off), and even with fsync on nothing would
 * reach the disk: in its Emscripten build `fdatasync()` is a no-op, and `fsync()` calls the
 * file system's `stream_ops.fsync`, which NODEFS (the layer that maps the data directory onto
 * real files) does not have. So:
 *
 * - NODEFS gets an `fsync` that calls fsync(2) on the real file descriptor behind the
 *   stream (errors become the errno PostgreSQL sees, so a failed fsync PANICs as it should);
 * - PostgreSQL runs with fsync on and `wal_sync_method=fsync`, so a commit's WAL flush goes
 *   through `fsync()` rather than the no-op `fdatasync()`. Checkpoints, relation files and
 *   directories (after a create or rename) use `fsync()` already.
 *
 * Writes themselves go straight to the real files (NODEFS has no cache of its own), so once
 * fsync(2) has returned, the commit is on disk: `strace -f -e trace=fsync` shows one per
 * commit (packages/db/test/durable-commits.test.ts).
 */
export const durableStartParams: readonly string[] = [
  ...PGlite.defaultStartParams.filter((parameter) => parameter !== "-F"),
  "-c",
  "wal_sync_method=fsync",
];

/** The parts of Emscripten's NODEFS this touches: its stream operations. */
type NodeFsStreamOps = {
  stream_ops?: Record<string, unknown> & { fsync?: (stream: { nfd?: number }) => number };
  tryFSOperation?: <T>(operation: () => T) => T;
};

export class DurableNodeFS extends NodeFS {
  /** A fresh directory: PGlite copies an initdb'd cluster into it, which nothing fsyncs. */
  #created: boolean;

  constructor(dataDir: string) {
    super(dataDir);
    this.#created = !existsSync(join(this.rootDir, "PG_VERSION"));
  }

  override async init(...args: Parameters<NodeFS["init"]>): ReturnType<NodeFS["init"]> {
    const result = await super.init(...args);
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...preRun,
      (module: { NODEFS: unknown }) => {
        const nodefs = module.NODEFS as NodeFsStreamOps;
        const { stream_ops: streamOps, tryFSOperation } = nodefs;
        if (!streamOps || !tryFSOperation) {
          // A PGlite upgrade changed Emscripten's file system: refuse to run without durability.
          throw new Error("PGlite's NODEFS has no stream_ops to give fsync to; commits would not be durable");
        }
        streamOps.fsync = (stream) => {
          const fd = stream.nfd;
          if (fd === undefined) throw new Error("NODEFS stream without a file descriptor");
          tryFSOperation.call(nodefs, () => fsyncSync(fd));
          return 0;
        };
      },
    ];
    return result;
  }

  /**
   * PGlite calls this after copying a new cluster in (before PostgreSQL starts) and after
   * every query. The first time, in a new directory, flush every file and directory once, so
   * a power cut right after the first start cannot leave a half-written cluster.
   */
  override async syncToFs(relaxedDurability?: boolean): Promise<void> {
    await super.syncToFs(relaxedDurability);
    if (!this.#created) return;
    this.#created = false;
    fsyncTree(this.rootDir);
  }
}

function fsyncPath(path: string, isDirectory = false): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    // Some systems cannot open or flush a directory at all; PostgreSQL ignores that too.
    if (isDirectory && isUnflushableDirectory(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!(isDirectory && isUnflushableDirectory(error))) throw error;
  } finally {
    closeSync(fd);
  }
}

function isUnflushableDirectory(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EISDIR" || code === "EPERM" || code === "EINVAL" || code === "EBADF";
}

/** Files before the directory that names them, so the directory's entries point at flushed data. */
export function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else if (entry.isFile()) fsyncPath(path);
  }
  fsyncPath(dir, true);
}
