import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./server-process.ts";

/**
 * Durable commits on the embedded database, seen from the kernel: the real server runs under
 * strace on a new PGLITE_DIR; every acknowledged POST must have been preceded, on the thread
 * that answers it, by fsync(2) of a WAL segment (and the new directory's files are flushed
 * once at the first start). Before, PGlite ran with fsync off and strace saw no fsync at all.
 *
 * Needs strace (.ci/system-packages lists it): without it the test is skipped with a notice,
 * except under CI=true.
 */

const target = testDatabaseTarget();
const serverDir = fileURLToPath(new URL("../..", import.meta.url));
const mainPath = join(serverDir, "src/main.ts");
const COMMITS = 20;

const straceAvailable = spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
const inCi = process.env.CI === "true" || process.env.CI === "1";

type Event =
  | { kind: "open"; fd: number; path: string }
  | { kind: "fsync"; fd: number }
  | { kind: "answer"; status: string };

/**
 * The syscalls of one thread, in order (strace -f prefixes each line with the thread id).
 * A call that another thread's call interrupts comes in two lines, `openat(… <unfinished ...>`
 * and later `<... openat resumed>) = 12`: joined again here (the server loads its HTTP
 * modules, through the thread pool, while PGlite opens its files).
 */
function eventsOf(trace: string, tid: number): Event[] {
  const events: Event[] = [];
  let unfinished: string | undefined;
  for (const raw of trace.split("\n")) {
    let line = raw;
    const started = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(raw);
    if (started && Number(started[1]) === tid) {
      unfinished = raw.slice(0, raw.length - " <unfinished ...>".length);
      continue;
    }
    const resumed = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(raw);
    if (resumed && Number(resumed[1]) === tid) {
      if (unfinished === undefined) continue;
      line = `${unfinished}${resumed[2]}`;
      unfinished = undefined;
    }
    const match = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!match || Number(match[1]) !== tid) continue;
    const [, , call, rest = ""] = match;
    if (call === "openat") {
      const opened = /^[^,]+, "([^"]+)".*= (\d+)/.exec(rest);
      if (opened?.[1] && opened[2]) events.push({ kind: "open", path: opened[1], fd: Number(opened[2]) });
    } else if (call === "fsync" || call === "fdatasync") {
      events.push({ kind: "fsync", fd: Number.parseInt(rest, 10) });
    } else if (call === "write" || call === "writev") {
      const answer = /HTTP\/1\.1 (\d{3})/.exec(rest);
      if (answer?.[1]) events.push({ kind: "answer", status: answer[1] });
    }
  }
  return events;
}

if (target.kind === "postgres" || (!straceAvailable && !inCi)) {
  describe("durable commits under strace: not here", () => {
    it("prints why it does not run here", () => {
      console.log(
        target.kind === "postgres"
          ? "NOTICE: the strace proof of durable commits runs in the PGlite half of the suite."
          : "NOTICE: strace is not installed; the strace proof of durable commits is SKIPPED (apt-get install strace).",
      );
    });
  });
} else {
  describe("durable commits on the embedded database, under strace", () => {
    let dir: string;
    let traceFile: string;
    let strace: ChildProcess | undefined;
    let serverPid: number | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "registrar-strace-"));
      traceFile = join(dir, "..", `${dir.split("/").at(-1)}.strace`);
    });
    afterAll(async () => {
      // strace detaches when it is killed; the server must be stopped by its own pid
      if (serverPid !== undefined) {
        try {
          process.kill(serverPid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      strace?.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      await rm(traceFile, { force: true });
    });

    it(`each of ${COMMITS} acknowledged writes is fsynced before its answer is written`, {
      timeout: 240_000,
    }, async () => {
      const port = await freePort();
      const inherited: Record<string, string | undefined> = { ...process.env };
      delete inherited.DATABASE_URL;
      const tracer = spawn(
        "strace",
        [
          "-f",
          "--seccomp-bpf",
          "-qq",
          "-s",
          "48",
          "-e",
          "trace=openat,fsync,fdatasync,write,writev",
          "-o",
          traceFile,
          process.execPath,
          "--import",
          "tsx",
          mainPath,
        ],
        {
          cwd: serverDir,
          env: {
            ...inherited,
            PGLITE_DIR: dir,
            PORT: String(port),
            HOST: "127.0.0.1",
            AUTH: "off",
            RATE_LIMIT_PER_MINUTE: "0",
            LOG_LEVEL: "warn",
          },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      strace = tracer;
      let output = "";
      tracer.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => tracer.once("exit", (code) => resolve(code)));

      const baseUrl = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 180_000;
      let ready = false;
      while (!ready && Date.now() < deadline && tracer.exitCode === null) {
        try {
          const response = await fetch(`${baseUrl}/health/ready`);
          await response.body?.cancel();
          ready = response.status === 200;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      expect(ready, output).toBe(true);
      // The server is strace's child; its main thread (tid = pid) runs PGlite and answers.
      const children = await readFile(`/proc/${tracer.pid}/task/${tracer.pid}/children`, "utf8");
      const pid = Number(children.trim().split(" ")[0]);
      serverPid = pid;

      for (let i = 0; i < COMMITS; i++) {
        const response = await fetch(`${baseUrl}/students`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `Durable ${i}`, email: `durable-${i}@strace.test` }),
        });
        expect(response.status).toBe(201);
        await response.body?.cancel();
      }
      process.kill(pid, "SIGTERM");
      expect(await exited, output).toBe(0);
      serverPid = undefined;

      const events = eventsOf(await readFile(traceFile, "utf8"), pid);
      const pathOf = new Map<number, string>();
      const fsynced: string[] = [];
      let sinceLastAnswer: string[] = [];
      const answers: Array<{ status: string; fsynced: string[] }> = [];
      for (const event of events) {
        if (event.kind === "open") pathOf.set(event.fd, event.path);
        else if (event.kind === "fsync") {
          const path = pathOf.get(event.fd) ?? `fd ${event.fd}`;
          fsynced.push(path);
          sinceLastAnswer.push(path);
        } else {
          answers.push({ status: event.status, fsynced: sinceLastAnswer });
          sinceLastAnswer = [];
        }
      }
      // only the POSTs answer 201 (the readiness checks answer 200)
      const created = answers.filter((answer) => answer.status === "201");
      expect(created).toHaveLength(COMMITS);
      for (const answer of created) {
        expect(
          answer.fsynced.some((path) => /\/pg_wal\/[0-9A-F]{24}$/.test(path)),
          JSON.stringify(answer),
        ).toBe(true);
      }
      // The first start flushed the new cluster, files and directories, once.
      for (const path of ["PG_VERSION", "global/pg_control", "base", ""]) {
        expect(fsynced, path).toContain(join(dir, path));
      }
    });
  });
}
