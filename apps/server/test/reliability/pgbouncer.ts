import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./server-process.ts";

/** Debian's pgbouncer (1.18 on bookworm; installed by .ci/run from .ci/system-packages). */
export const pgbouncerPath = process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer";
const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * Whether the tests behind PgBouncer can run. Without it they are skipped with a notice on a
 * developer's machine; under CI a missing pgbouncer is a failure, never a silent skip.
 */
export function pgbouncerAvailable(): boolean {
  if (existsSync(pgbouncerPath)) return true;
  if (inCi)
    throw new Error(`CI=true but ${pgbouncerPath} is missing: list pgbouncer in .ci/system-packages.`);
  console.log(
    `\nNOTICE: ${pgbouncerPath} not found; the tests behind PgBouncer are SKIPPED. Install it with apt-get install pgbouncer.\n`,
  );
  return false;
}

export type PgBouncer = {
  /** `url` (a database on the PostgreSQL behind it) with host and port pointed at PgBouncer. */
  urlFor(url: string): string;
  /** What PgBouncer logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
};

/**
 * A PgBouncer of the test's own on 127.0.0.1 and a free port, in transaction mode, in front
 * of `target`, with fewer server connections than clients will open, so consecutive
 * transactions of one client land on different server sessions. Startup parameters that
 * PgBouncer refuses are dropped (docs/deploy.md, section 2).
 */
export async function startPgBouncer(target: {
  host: string;
  port: number;
  user: string;
}): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), "registrar-pgbouncer-"));
  const port = await freePort();
  const config = join(dir, "pgbouncer.ini");
  await writeFile(
    config,
    [
      "[databases]",
      `* = host=${target.host} port=${target.port} user=${target.user}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = any",
      "pool_mode = transaction",
      "default_pool_size = 3",
      "max_client_conn = 200",
      "ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout",
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root; as root it is told to switch to nobody, who must read this.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    await chmod(config, 0o644);
  }
  const child: ChildProcess = spawn(pgbouncerPath, [...(asRoot ? ["-u", "nobody"] : []), config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(port);
      return proxied.toString();
    },
    output: () => output,
    stop,
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
