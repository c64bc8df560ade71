import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { removeOwnerChannel } from "./owner-channel.ts";

/**
 * One owner per embedded data directory.
 *
 * PGlite keeps nothing that stops a second process from opening the same directory: both
 * hand out the same ids, and whichever closes last overwrites the other's writes. So every
 * opener takes this lock first, and a second one fails at once, naming the holder.
 *
 * The lock is the highest-numbered `registrar.lock.<n>` file in the directory. Every change
 * of owner (taking a free or stale lock, releasing one) creates the next number with
 * link(2), which fails when that name exists: of any number of processes that saw the same
 * state, exactly one moves it on, and the others look again. No file that another process
 * may still act on is ever replaced or deleted, so a take-over of a stale lock is as atomic
 * as a first lock (deleting and re-creating one name would let two racers both win). Lower
 * numbers are only history and are cleaned up by the next owner.
 *
 * A holder is stale when its process is gone. Pids are reused, so a live pid is compared by
 * its start time (Linux: /proc/<pid>/stat, with the boot id and pid namespace); a lock from
 * another host or another pid namespace cannot be judged and counts as held, and so does a
 * live pid whose start time cannot be read: a wrong "in use" is an inconvenience, a wrong
 * take-over loses data.
 */

const lockFilePattern = /^registrar\.lock\.(\d+)$/;
const scratchFilePattern = /^registrar\.lock\.tmp-(\d+)-/;
/** Each round either moves the lock on or sees another process do it; this bounds a livelock. */
const maxRounds = 100;

/** Who holds a directory, as written in its lock file. */
export type DataDirHolder = {
  pid: number;
  host: string;
  /** What it is, for messages: "registrar server", "db seed", "keys create". */
  owner: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Linux: the boot the process runs in, its pid namespace and its start time (clock ticks). */
  boot?: string;
  pidNamespace?: string;
  startTime?: string;
  /** device:inode of the directory: a lock copied along with the files locks nothing. */
  dirId: string;
  /** Where the holder takes commands from other processes (owner-channel.ts), if it does. */
  channel?: string;
};

type LockRecord = ({ state: "held" } & DataDirHolder) | { state: "released"; dirId: string; at: string };

export type DataDirLock = {
  dir: string;
  holder: DataDirHolder;
  /** Hands the directory back. Idempotent; also runs on process exit. */
  release(): void;
};

/** Why a lock could not be taken. */
export type DataDirInUseReason = "held" | "this-process" | "other-host" | "other-container";

export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
  constructor(
    readonly dir: string,
    readonly holder: DataDirHolder,
    readonly reason: DataDirInUseReason,
    readonly lockFile: string,
  ) {
    super(inUseMessage(dir, holder, reason, lockFile));
  }
}

function inUseMessage(dir: string, holder: DataDirHolder, reason: DataDirInUseReason, lockFile: string) {
  const who = `pid ${holder.pid} (${holder.owner}, since ${holder.since})`;
  const why = "one process at a time may open an embedded database, or writes are lost";
  switch (reason) {
    case "this-process":
      return `PGlite data directory ${dir} is already open in this process, ${who}: ${why}.`;
    case "other-host":
      return (
        `PGlite data directory ${dir} is in use by ${who} on host ${holder.host}: ${why}. ` +
        `Stop it there; if nothing on ${holder.host} uses this directory any more, delete ${lockFile}.`
      );
    case "other-container":
      return (
        `PGlite data directory ${dir} is in use by ${who} in another container or pid namespace: ${why}. ` +
        `Stop it there; if it is gone, delete ${lockFile}.`
      );
    default:
      return (
        `PGlite data directory ${dir} is in use by ${who}: ${why}. ` +
        `Stop that process first (Ctrl-C in its terminal, or: kill ${holder.pid}), then try again, ` +
        "or set PGLITE_DIR to another directory."
      );
  }
}

type ProcessFacts = { boot?: string; pidNamespace?: string; startTime?: string };

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
function startTimeOf(pid: number | "self"): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .at(22 - 3);
}

let ownFacts: ProcessFacts | undefined;
function thisProcess(): ProcessFacts {
  if (!ownFacts) {
    let pidNamespace: string | undefined;
    try {
      pidNamespace = readlinkSync("/proc/self/ns/pid");
    } catch {
      pidNamespace = undefined;
    }
    const boot = readText("/proc/sys/kernel/random/boot_id")?.trim();
    const startTime = startTimeOf("self");
    ownFacts = {
      ...(boot ? { boot } : {}),
      ...(pidNamespace ? { pidNamespace } : {}),
      ...(startTime ? { startTime } : {}),
    };
  }
  return ownFacts;
}

function directoryId(dir: string): string {
  const stat = statSync(dir);
  return `${stat.dev}:${stat.ino}`;
}

/**
 * Free, with the holder that died holding it (`dead`) when it is known to be gone from this
 * host; or held, and why.
 */
type Verdict = { free: true; dead?: DataDirHolder } | { free: false; reason: DataDirInUseReason };

/** Whether the holder in `record` still holds `dirId`. */
function judge(record: LockRecord, dirId: string): Verdict {
  if (record.state === "released" || record.dirId !== dirId) return { free: true };
  if (record.host !== hostname()) return { free: false, reason: "other-host" };
  const own = thisProcess();
  if (record.boot && own.boot && record.boot !== own.boot) return { free: true, dead: record };
  if (record.pidNamespace && own.pidNamespace && record.pidNamespace !== own.pidNamespace) {
    return { free: false, reason: "other-container" };
  }
  if (record.pid === process.pid && (!record.startTime || record.startTime === own.startTime)) {
    return { free: false, reason: "this-process" };
  }
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it may be the holder
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return { free: true, dead: record };
  }
  if (record.startTime) {
    const startTime = startTimeOf(record.pid);
    // the pid now belongs to a process that started later: the holder is gone
    if (startTime !== undefined && startTime !== record.startTime) return { free: true, dead: record };
  }
  return { free: false, reason: "held" };
}

function lockNumbers(dir: string): number[] {
  const numbers: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = lockFilePattern.exec(name);
    if (match?.[1]) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => b - a);
}

const lockFile = (dir: string, n: number) => join(dir, `registrar.lock.${n}`);

/**
 * The record in lock file `n`; undefined when it has gone (a newer owner cleaned it up).
 * A file that does not parse was never a live holder's (records are written whole before
 * they get their name), so it counts as released.
 */
function readRecord(dir: string, n: number): LockRecord | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile(dir, n), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as LockRecord;
    if (parsed && typeof parsed === "object" && typeof parsed.dirId === "string") return parsed;
  } catch {
    // fall through
  }
  return { state: "released", dirId: "", at: "" };
}

/**
 * Gives `record` the name of lock file `n`, unless that name exists. The record is written
 * and flushed under a scratch name first, so nobody ever reads half of one, and after a power
 * cut a lock file is whole or absent.
 */
function createLockFile(dir: string, n: number, record: LockRecord): boolean {
  const scratch = join(dir, `registrar.lock.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fd = openSync(scratch, "wx", 0o644);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(scratch, lockFile(dir, n));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(scratch);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Lower lock numbers, and scratch files of processes that died while writing one. */
function cleanUpBelow(dir: string, n: number): void {
  for (const name of readdirSync(dir)) {
    const lock = lockFilePattern.exec(name);
    if (lock?.[1] && Number(lock[1]) < n) removeQuietly(join(dir, name));
    const scratch = scratchFilePattern.exec(name);
    if (scratch?.[1]) {
      try {
        process.kill(Number(scratch[1]), 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ESRCH") removeQuietly(join(dir, name));
      }
    }
  }
}

/**
 * Takes the directory for this process, or throws `DataDirInUseError` naming the holder.
 * A stale lock (its process is gone) is taken over.
 */
export function lockDataDir(dir: string, owner: string, options: { channel?: string } = {}): DataDirLock {
  const dirId = directoryId(dir);
  const holder: DataDirHolder = {
    pid: process.pid,
    host: hostname(),
    owner,
    since: new Date().toISOString(),
    ...thisProcess(),
    dirId,
    ...(options.channel ? { channel: options.channel } : {}),
  };
  for (let round = 0; round < maxRounds; round++) {
    const top = lockNumbers(dir)[0] ?? 0;
    let dead: DataDirHolder | undefined;
    if (top > 0) {
      const record = readRecord(dir, top);
      if (record === undefined) continue;
      const verdict = judge(record, dirId);
      if (!verdict.free && record.state === "held") {
        throw new DataDirInUseError(dir, record, verdict.reason, lockFile(dir, top));
      }
      if (verdict.free) dead = verdict.dead;
    }
    const mine = top + 1;
    if (!createLockFile(dir, mine, { state: "held", ...holder })) continue;
    // A process that judged an older state may have created a lower number after a newer
    // owner cleaned it up; only the highest number holds.
    if ((lockNumbers(dir)[0] ?? 0) > mine) {
      removeQuietly(lockFile(dir, mine));
      continue;
    }
    cleanUpBelow(dir, mine);
    // A holder killed with kill -9 could not remove its command socket's folder.
    if (dead?.channel) removeOwnerChannel(dead.channel);
    return heldLock(dir, dirId, mine, holder);
  }
  throw new Error(`could not lock PGlite data directory ${dir}: it changed hands ${maxRounds} times`);
}

function heldLock(dir: string, dirId: string, mine: number, holder: DataDirHolder): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    // The released marker goes first, so the highest number never disappears (which would
    // let a process that judged an older state take a lower one while another holds a higher).
    try {
      createLockFile(dir, mine + 1, { state: "released", dirId, at: new Date().toISOString() });
    } catch {
      // the directory is gone or read-only: nothing left to protect
    }
    removeQuietly(lockFile(dir, mine));
  };
  process.on("exit", release);
  return { dir, holder, release };
}
