import { rmSync } from "node:fs";
import { dirname } from "node:path";
import {
  createDatabase,
  type Database,
  type DatabaseOptions,
  DataDirInUseError,
  newOwnerChannelPath,
  type OwnerChannel,
  serveOwnerChannel,
} from "@registrar/db";
import type { Logger } from "pino";
import { ownerCommands } from "./owner-commands.ts";

/**
 * The server's database. An embedded data directory is the server's alone while it runs
 * (packages/db/src/data-dir-lock.ts): another process on it gets an error naming this one, and
 * a server that finds it taken says so and exits 1. So that `pnpm db:seed`, `pnpm db:backup`
 * and `pnpm keys` still work next to it, the server takes those commands over a local socket
 * whose path is in its lock (`serveOwnerCommands()`, once it has migrated).
 */
export function openServerDatabase(
  options: DatabaseOptions,
  logger: Logger,
): { db: Database; serveOwnerCommands(): Promise<OwnerChannel | undefined> } {
  const channelPath =
    options.kind === "pglite" && "dir" in options && options.dir !== "memory://"
      ? newOwnerChannelPath()
      : undefined;
  try {
    const db = createDatabase({
      ...options,
      owner: "registrar server",
      ...(channelPath ? { ownerChannel: channelPath } : {}),
      // A first start migrates in initdb's child, so the memory that takes is not kept here.
      ...(options.kind === "pglite" ? { migrateNewCluster: true } : {}),
      // knex's own warnings (a lost connection, a failed acquire) go to the JSON log, not the console.
      log: { warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
    });
    return {
      db,
      serveOwnerCommands: async () => {
        if (!channelPath) return undefined;
        try {
          return await serveOwnerChannel(channelPath, ownerCommands(db), logger);
        } catch (error) {
          // Serving without it is better than not serving: the commands then say to stop the server.
          logger.warn(
            { err: { message: (error as Error).message } },
            "no command socket: db:seed, db:backup and keys need this server stopped",
          );
          return undefined;
        }
      },
    };
  } catch (error) {
    if (channelPath) rmSync(dirname(channelPath), { recursive: true, force: true });
    if (!(error instanceof DataDirInUseError)) throw error;
    logger.error({ holder: error.holder, dir: error.dir }, "the PGlite data directory is in use");
    console.error(error.message);
    process.exit(1);
  }
}
