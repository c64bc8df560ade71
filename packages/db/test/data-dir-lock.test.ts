import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabaseTarget, testProcessNodeFlags } from "../src/testing.ts";

/**
 * The one-owner lock of an embedded data directory, between real processes: each contender
 * (lock-contender.ts) is its own Node process, as a server and `pnpm db:seed` would be.
 */

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const contenderScript = fileURLToPath(new URL("./lock-contender.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "registrar-lock-"));
const children: ChildProcess[] = [];
/**
 * More racing processes than cores (CI and these machines have two), so some are preempted in
 * the middle of a take-over. With four, a take-over that deletes the stale file and creates
 * the same name again passed 200 rounds; with eight it gave two winners within a few rounds.
 */
const RACERS = 8;

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

type Contender = {
  pid: number;
  send(command: string): Promise<string>;
  kill9(): Promise<void>;
};

async function startContender(): Promise<Contender> {
  const child = spawn(process.execPath, [...testProcessNodeFlags, "--import", "tsx", contenderScript], {
    cwd: packageDir,
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`contender ${child.pid} exited`);
    return line.value;
  };
  expect(await next()).toBe("ready");
  return {
    pid: child.pid ?? -1,
    send: (command) => {
      child.stdin?.write(`${command}\n`);
      return next();
    },
    kill9: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

const newDir = (name: string) => {
  const dir = join(scratch, name);
  mkdirSync(dir);
  return dir;
};

/** `registrar.lock.<n>` files, highest n first: the first is the lock's current state. */
const lockFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /^registrar\.lock\.\d+$/.test(name))
    .sort((a, b) => Number(b.split(".").at(-1)) - Number(a.split(".").at(-1)));

function currentRecord(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, lockFiles(dir)[0] ?? ""), "utf8")) as Record<string, unknown>;
}

/** Changes the record in place (simulates what a dead or reused pid looks like). */
function rewriteCurrentRecord(dir: string, change: Record<string, unknown>): void {
  const path = join(dir, lockFiles(dir)[0] ?? "");
  writeFileSync(`${path}.rewrite`, JSON.stringify({ ...currentRecord(dir), ...change }));
  renameSync(`${path}.rewrite`, path);
}

/** Sends `lock dir` to every contender at once; returns the winner and checks the losers name it. */
async function race(contenders: Contender[], dir: string): Promise<Contender> {
  const at = Date.now() + 40;
  const answers = await Promise.all(contenders.map((contender) => contender.send(`lock ${dir} ${at}`)));
  const winners = contenders.filter((_, index) => answers[index]?.startsWith("won "));
  expect(winners.length, `exactly one winner: ${answers.join(" | ")}`).toBe(1);
  const [winner] = winners;
  if (!winner) throw new Error("no winner");
  for (const [index, answer] of answers.entries()) {
    if (contenders[index] !== winner) expect(answer).toBe(`lost ${winner.pid} held`);
  }
  return winner;
}

// Processes and files only, no database: once per run is enough, in the PGlite half.
const describeInPgliteHalf =
  testDatabaseTarget().kind === "pglite"
    ? describe
    : (title: string) =>
        describe(`${title}: in the PGlite half`, () => {
          it("prints why it does not run here", () => {
            console.log("NOTICE: the data-directory lock races run in the PGlite half of the suite.");
          });
        });

describeInPgliteHalf("one owner per PGlite data directory", () => {
  it("a second opener fails at once naming the holder; after a release the next one gets it", async () => {
    const [first, second] = await Promise.all([startContender(), startContender()]);
    if (!first || !second) throw new Error("no contenders");
    const dir = newDir("second-opener");
    expect(await first.send(`lock ${dir}`)).toBe(`won ${first.pid}`);
    expect(await second.send(`lock ${dir}`)).toBe(`lost ${first.pid} held`);
    expect(await first.send("release")).toBe("released");
    expect(await second.send(`lock ${dir}`)).toBe(`won ${second.pid}`);
    expect(await first.send(`lock ${dir}`)).toBe(`lost ${second.pid} held`);
    expect(await second.send("release")).toBe("released");
    expect(lockFiles(dir)).toHaveLength(1);
  });

  it("concurrent openers: exactly one wins, over 100 rounds", { timeout: 120_000 }, async () => {
    const contenders = await Promise.all(Array.from({ length: RACERS }, () => startContender()));
    const dir = newDir("concurrent");
    const wins = new Map<number, number>();
    for (let round = 0; round < 100; round++) {
      const winner = await race(contenders, dir);
      wins.set(winner.pid, (wins.get(winner.pid) ?? 0) + 1);
      expect(await winner.send("release")).toBe("released");
    }
    // history is cleaned up: the released marker alone is left
    expect(lockFiles(dir)).toHaveLength(1);
  });

  it("a lock left by kill -9 is taken over", async () => {
    const [holder, opener] = await Promise.all([startContender(), startContender()]);
    const dir = newDir("killed");
    expect(await holder.send(`lock ${dir}`)).toBe(`won ${holder.pid}`);
    expect(await opener.send(`lock ${dir}`)).toBe(`lost ${holder.pid} held`);
    await holder.kill9();
    expect(await opener.send(`lock ${dir}`)).toBe(`won ${opener.pid}`);
    expect(currentRecord(dir)).toMatchObject({ state: "held", pid: opener.pid });
    expect(await opener.send("release")).toBe("released");
  });

  it("racing take-overs of a stale lock: exactly one wins, over 200 rounds", {
    timeout: 120_000,
  }, async () => {
    const [dead, ...contenders] = await Promise.all(
      Array.from({ length: RACERS + 1 }, () => startContender()),
    );
    if (!dead) throw new Error("no contender");
    await dead.kill9();
    const dir = newDir("stale-races");
    let winner = await race(contenders, dir);
    for (let round = 0; round < 200; round++) {
      // The winner "dies": its record now names a pid that is gone (a kill -9'd process).
      expect(await winner.send("forget")).toBe("forgotten");
      rewriteCurrentRecord(dir, { pid: dead.pid });
      winner = await race(contenders, dir);
      expect(currentRecord(dir)).toMatchObject({ state: "held", pid: winner.pid });
    }
    expect(await winner.send("release")).toBe("released");
  });

  it("a dead holder whose pid now belongs to another process (pid reuse) is taken over", async () => {
    const [holder, opener] = await Promise.all([startContender(), startContender()]);
    const dir = newDir("pid-reuse");
    expect(await holder.send(`lock ${dir}`)).toBe(`won ${holder.pid}`);
    await holder.kill9();
    // The holder's pid now belongs to a live process with another start time: this test's own.
    rewriteCurrentRecord(dir, { pid: process.pid });
    expect(await opener.send(`lock ${dir}`)).toBe(`won ${opener.pid}`);
    expect(await opener.send("release")).toBe("released");
  });

  it("a lock file copied along with the directory (a backup, cp -r) does not lock the copy", async () => {
    const [holder, opener] = await Promise.all([startContender(), startContender()]);
    const dir = newDir("original");
    expect(await holder.send(`lock ${dir}`)).toBe(`won ${holder.pid}`);
    const copy = join(scratch, "copy");
    cpSync(dir, copy, { recursive: true });
    expect(lockFiles(copy)).toHaveLength(1);
    expect(await opener.send(`lock ${dir}`)).toBe(`lost ${holder.pid} held`);
    expect(await opener.send(`lock ${copy}`)).toBe(`won ${opener.pid}`);
    await Promise.all([holder.send("release"), opener.send("release")]);
  });
});
