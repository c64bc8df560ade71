import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createDatabase, describeDatabase, migrateToLatest } from "@registrar/db";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";

const startedAt = performance.now();
const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const db = createDatabase(config.database);

const applied = await migrateToLatest(db);
if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} migration(s)`);

const app = createApp({ db, logger, webDistDir: config.webDistDir });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  const base = `http://${info.address.includes(":") ? `[${info.address}]` : info.address}:${info.port}`;
  logger.info(
    { database: describeDatabase(config.database), startupMs: Math.round(performance.now() - startedAt) },
    "registrar is listening",
  );
  // The human summary goes to stderr so stdout stays pure JSON logs.
  console.error(
    [
      "",
      `  Registrar is running on ${describeDatabase(config.database)}`,
      `  API        ${base}/  (REST)  and  ${base}/trpc  (tRPC)`,
      `  Docs       ${base}/docs   OpenAPI ${base}/openapi.json`,
      `  Web UI     ${base}/`,
      "",
    ].join("\n"),
  );
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
  const force = setTimeout(() => {
    logger.warn("in-flight requests did not finish in time; closing anyway");
    (server as Server).closeAllConnections();
  }, config.shutdownTimeoutMs);
  force.unref();
  server.close(async () => {
    clearTimeout(force);
    await db.destroy();
    logger.info("stopped");
    process.exit(0);
  });
  (server as Server).closeIdleConnections();
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
