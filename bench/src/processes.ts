import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const serverEntry = fileURLToPath(new URL("../../apps/server/src/main.ts", import.meta.url));
export const floorEntry = fileURLToPath(new URL("./floor-server.ts", import.meta.url));

/** tsx's loader, so that both servers run their TypeScript source the same way. */
const tsxLoader = import.meta.resolve("tsx");

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/**
 * The environment every bench server gets (Registrar and the floors alike): the same
 * database, pool size and log level, no authentication and no rate limit, and glibc's
 * malloc thresholds fixed at 1 MiB, as `pnpm start` runs the server (the root
 * package.json's start script; scripts/start.mjs says why and what it is worth).
 */
export function benchServerEnv(options: {
  databaseUrl: string;
  poolMax: number;
  logLevel: string;
}): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_MAX: String(options.poolMax),
    LOG_LEVEL: options.logLevel,
    AUTH: "off",
    RATE_LIMIT_PER_MINUTE: "0",
    NODE_ENV: "production",
    MALLOC_MMAP_THRESHOLD_: "1048576",
    MALLOC_TRIM_THRESHOLD_: "1048576",
  };
}

export type ServerProcess = {
  name: string;
  baseUrl: string;
  child: ChildProcess;
  /** Resident set size of the server process now, in bytes (Linux /proc). */
  rss(): number;
  /** CPU time (user + system) the server process has used so far, in ms (Linux /proc). */
  cpuMs(): number;
  stop(): Promise<void>;
};

export type SpawnOptions = {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
};

/**
 * Starts a server as its own node process (so that it never shares an event loop with the
 * load generator) and resolves once `/health/ready` answers 200.
 */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...options.env, PORT: String(port) };
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), "--import", tsxLoader, options.entry],
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, 60_000, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${options.name} did not start: ${(error as Error).message}\n${stderr.join("")}`);
  }
  const pid = child.pid;
  return {
    name: options.name,
    baseUrl,
    child,
    rss: () => (pid === undefined ? 0 : rssOf(pid)),
    cpuMs: () => (pid === undefined ? 0 : cpuMsOf(pid)),
    stop: () => stopProcess(child),
  };
}

/** Polls `/health/ready` every 10 ms; resolves to the milliseconds it took. */
export async function waitUntilReady(
  baseUrl: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no 200 from ${baseUrl}/health/ready within ${timeoutMs} ms`);
}

export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return kib ? Number(kib[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * RSS of the process under `rootPid` (itself or a descendant) whose command line contains
 * `match`: `pnpm start` runs node scripts/start.mjs, which runs the bundled server in itself.
 */
export function rssOfDescendant(rootPid: number, match: string): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(match)) return rssOf(pid);
    } catch {
      // gone meanwhile
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return 0;
}

/** utime + stime from /proc/<pid>/stat; the kernel counts them in ticks of 10 ms. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state: utime and stime
    // are fields 14 and 15 of the whole line, so 12th and 13th after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks * 10;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
export function stopProcess(child: ChildProcess, options: { group?: boolean } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        // A detached child leads its own process group: signal the group (pnpm → tsx → node).
        if (options.group) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    const force = setTimeout(() => kill("SIGKILL"), 10_000);
    child.once("exit", async () => {
      // pnpm exits on the signal before the server it started has finished shutting down
      // (closing PGlite); wait for the whole group, or the next start meets a busy directory.
      if (options.group && child.pid !== undefined) await groupGone(child.pid);
      clearTimeout(force);
      resolve();
    });
    kill("SIGTERM");
  });
}

async function groupGone(groupId: number): Promise<void> {
  for (;;) {
    try {
      process.kill(-groupId, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
