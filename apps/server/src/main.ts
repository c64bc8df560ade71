import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { countActiveApiKeys } from "@registrar/core";
import { createDatabase, describeDatabase, migrateToLatest } from "@registrar/db";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createMemoryRateLimitStore, createRedisRateLimitStore, KEY_CACHE_TTL_MS } from "./security/index.ts";

const startedAt = performance.now();
const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const db = createDatabase(config.database);

const applied = await migrateToLatest(db);
if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} migration(s)`);

const rateLimitStore = config.redisUrl
  ? createRedisRateLimitStore(config.redisUrl, { logger })
  : createMemoryRateLimitStore();
const app = createApp({
  db,
  logger,
  webDistDir: config.webDistDir,
  auth: { mode: config.auth },
  rateLimit: { perMinute: config.rateLimitPerMinute, store: rateLimitStore },
  corsOrigins: config.corsOrigins,
});

// Start-up notices about security, as log lines and, for a human at the terminal, on stderr.
const securityNotices: string[] = [];
if (config.auth === "off") {
  logger.warn({ auth: "off" }, "AUTH is off: every request is allowed without an API key");
  securityNotices.push(
    "  WARNING    AUTH=off: anyone who can reach this port can read and change everything.",
    "             Set AUTH=required (the default when NODE_ENV=production) to require API keys.",
  );
} else {
  const activeKeys = await countActiveApiKeys(db);
  logger.info({ auth: "required", activeKeys, keyCacheTtlMs: KEY_CACHE_TTL_MS }, "API keys are required");
  if (activeKeys === 0) {
    logger.warn("no API keys exist yet: create the first admin key with `pnpm keys create --role admin`");
    securityNotices.push(
      "  NO KEYS    AUTH=required but no API key exists yet, so every request answers 401.",
      "             Create the first admin key (same DATABASE_URL / PGLITE_DIR as this server):",
      '               pnpm keys create --role admin --name "first admin"',
    );
  }
}
logger.info(
  {
    rateLimitPerMinute: config.rateLimitPerMinute,
    rateLimitStore: config.rateLimitPerMinute === 0 ? "off" : config.redisUrl ? "redis" : "memory",
    corsOrigins: config.corsOrigins,
  },
  "rate limits and CORS",
);
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
      `  Auth       ${config.auth}   Rate limit ${config.rateLimitPerMinute === 0 ? "off" : `${config.rateLimitPerMinute}/min per key or IP${config.redisUrl ? " (shared in Redis)" : ""}`}`,
      ...securityNotices,
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
    await Promise.all([db.destroy(), rateLimitStore.close()]);
    logger.info("stopped");
    process.exit(0);
  });
  (server as Server).closeIdleConnections();
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
