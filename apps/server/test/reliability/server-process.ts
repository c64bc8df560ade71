import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { testProcessNodeFlags } from "@registrar/db/testing";
import { inject } from "vitest";

const serverDir = fileURLToPath(new URL("../..", import.meta.url));

export type ServerProcess = {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
};

/** A port that was free a moment ago: the real server must be told its port up front. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * The real server as its own Node process, as `pnpm start` runs it: the bundle of
 * `src/main.ts` that the global setup made for this run (test/global-setup.ts), with plain
 * node, one process, so signals reach it directly. On 127.0.0.1 and a free port, with auth
 * and rate limits off unless `env` says otherwise. `database`: a PostgreSQL URL, a PGlite
 * directory, or `memory://`. Resolves once `/health/ready` answers 200.
 */
export async function startServerProcess(
  database: string,
  env: Record<string, string> = {},
  /** Another bundle of the server (`.mjs`, run with plain node) than this run's. */
  options: { bundle?: string } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const inherited = { ...process.env };
  for (const name of [
    "DATABASE_URL",
    "PGLITE_DIR",
    "DATABASE_PREPARED_STATEMENTS",
    "REDIS_URL",
    "PORT",
    "HOST",
    "AUTH",
    "NODE_ENV",
  ]) {
    delete inherited[name];
  }
  const args = [...testProcessNodeFlags, options.bundle ?? inject("serverBundle")];
  const child = spawn(process.execPath, args, {
    cwd: serverDir,
    env: {
      ...inherited,
      ...(database.startsWith("postgres") ? { DATABASE_URL: database } : { PGLITE_DIR: database }),
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH: "off",
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle: ServerProcess = {
    baseUrl,
    port,
    child,
    output: () => output,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };

  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      await response.body?.cancel();
      if (response.status === 200) return handle;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await handle.kill();
  throw new Error(`the server did not become ready in 90 s:\n${output}`);
}
