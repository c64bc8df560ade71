import { spawn } from "node:child_process";
import { readdir, rm, stat } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ownerChannelFolderPrefix, removeOwnerChannel } from "@registrar/db";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The server bundled once for this run (scripts/bundle.mjs), for tests' server processes. */
    serverBundle: string;
  }
}

const serverDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs once per test run: bundles the server as `pnpm start` runs it, so the tests that
 * start server processes (reliability/server-process.ts) run plain node on one file. Each
 * process loading ~150 TypeScript files through tsx instead cost 2-3 s more of CPU per start
 * (measured here: 4.4-5.1 s to /health/ready on a migrated directory, against 1.9-2.3 s),
 * and the suite starts such processes over a hundred times. The bundle stays in apps/server
 * (the dependencies it leaves out resolve from there) under a name of this run's own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundle = fileURLToPath(new URL(`../dist/main.test-run-${process.pid}.mjs`, import.meta.url));
  const built = spawn(process.execPath, ["scripts/bundle.mjs", "--outfile", bundle], {
    cwd: serverDir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  built.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => built.once("exit", resolve));
  if (code !== 0) throw new Error(`bundling the server for the tests failed (exit ${code}):\n${stderr}`);
  project.provide("serverBundle", bundle);
  const startedAt = Date.now();
  return async () => {
    await removeBundle(bundle);
    await removeDeadChannels(startedAt);
  };
}

/**
 * A bundle's files: its entry, the CommonJS bundle beside it and that one's V8 code cache,
 * and the cluster child (scripts/bundle.mjs), all named as the entry without its `.mjs`.
 */
export async function removeBundle(entry: string): Promise<void> {
  const folder = dirname(entry);
  const stem = basename(entry, ".mjs");
  const files = (await readdir(folder)).filter((name) => name.startsWith(`${stem}.`));
  await Promise.all(files.map((name) => rm(join(folder, name), { force: true })));
}

/**
 * The command-socket folders (packages/db/src/owner-channel.ts) of this run's server
 * processes that died without removing theirs: the tests kill servers with SIGKILL and then
 * delete their data directories, so no next holder takes the lock over and removes them.
 * Only folders made since the run started whose socket nobody listens on any more.
 */
async function removeDeadChannels(since: number): Promise<void> {
  const folders = (await readdir(tmpdir())).filter((name) => name.startsWith(ownerChannelFolderPrefix));
  for (const name of folders) {
    const folder = join(tmpdir(), name);
    const made = await stat(folder).catch(() => undefined);
    if (!made || made.mtimeMs < since) continue;
    const socket = join(folder, "socket");
    if (!(await listening(socket))) removeOwnerChannel(socket);
  }
}

function listening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
