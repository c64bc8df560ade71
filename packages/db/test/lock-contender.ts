/**
 * A process that takes and releases data-directory locks when told to, for
 * data-dir-lock.test.ts: several of them race for one directory the way separate openers
 * (a server, `pnpm db:seed`, `pnpm keys`) would. One command per stdin line, one answer per
 * stdout line:
 *
 *   lock <dir> [at]  → "won <pid>" | "lost <holder pid> <reason>" | "error <message>";
 *                      with `at` (epoch ms) it spins until then, so that contenders told at
 *                      slightly different moments still start together
 *   release          → "released" (the lock this process holds)
 *   forget           → "forgotten": drops the lock without releasing it, as a process that
 *                      died would (the test then makes its record name a dead pid)
 *
 * The test ends contenders with SIGKILL, so no exit hook releases anything behind its back.
 */
import { createInterface } from "node:readline";
import { DataDirInUseError, type DataDirLock, lockDataDir } from "../src/data-dir-lock.ts";

let held: DataDirLock | undefined;
const answer = (line: string) => process.stdout.write(`${line}\n`);
// every lock taken adds an exit listener (its release); many rounds take many
process.setMaxListeners(0);
answer("ready");

for await (const line of createInterface({ input: process.stdin })) {
  const [command, dir, at] = line.split(" ", 3);
  if (command === "lock" && dir) {
    const startAt = Number(at ?? 0);
    while (Date.now() < startAt) {
      // spin: a timer would add its own jitter
    }
    try {
      held = lockDataDir(dir, "lock contender");
      answer(`won ${process.pid}`);
    } catch (error) {
      if (error instanceof DataDirInUseError) answer(`lost ${error.holder.pid} ${error.reason}`);
      else answer(`error ${(error as Error).message}`);
    }
  } else if (command === "forget") {
    held = undefined;
    answer("forgotten");
  } else if (command === "release") {
    held?.release();
    held = undefined;
    answer("released");
  }
}
